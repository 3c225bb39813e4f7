package org.umsec.certs.internal;

import java.nio.ByteBuffer;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.KeyPurpose;
import org.umsec.certs.RevocationPolicy;
import org.umsec.certs.StoreContents;
import org.umsec.certs.ValidationFailure;
import org.umsec.certs.ValidationResult;

/**
 * Validates an end-entity certificate and its path against a store snapshot. Checks, in order:
 * validity period of the end entity, key type and size, key usage, extended key usage; then an
 * end entity byte-equal to a trusted certificate is accepted as a pin; otherwise the path is built
 * by issuer name and signature from the presented chain and the store's intermediates to a trusted
 * root, and checked: every issuer in it, the anchor included, must be allowed to issue (R25:
 * basicConstraints CA:TRUE, keyCertSign when key usage is present, path length respected), no
 * certificate below the anchor may be signed with MD5/SHA-1 or carry a weak key, then the JDK's PKIX
 * validator (validity, basic constraints, algorithm constraints) and finally the store's CRLs under
 * the {@link RevocationPolicy}.
 *
 * <p>Why the anchor check: the JDK's PKIX validator does not look at the basic constraints or key
 * usage of a trust anchor, so a gateway's self-signed end-entity certificate imported into
 * {@code trusted/} (R12) would otherwise let whoever holds that gateway's key issue a certificate
 * for any other gateway name. Thread-safe and immutable once built from a snapshot; build one per
 * snapshot.
 */
public final class ChainValidator {
    private static final Logger LOG = LoggerFactory.getLogger(ChainValidator.class);
    private static final int MAX_DEPTH = 10;
    private static final int KU_DIGITAL_SIGNATURE = 0;
    private static final int KU_KEY_CERT_SIGN = 5;
    private static final int KU_CRL_SIGN = 6;
    private static final String OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
    /** Signature algorithm OIDs over MD2, MD4, MD5 or SHA-1, with their usual names. */
    private static final Map<String, String> WEAK_SIGNATURES = Map.ofEntries(
            Map.entry("1.2.840.113549.1.1.2", "MD2withRSA"),
            Map.entry("1.2.840.113549.1.1.3", "MD4withRSA"),
            Map.entry("1.2.840.113549.1.1.4", "MD5withRSA"),
            Map.entry("1.2.840.113549.1.1.5", "SHA1withRSA"),
            Map.entry("1.3.14.3.2.3", "MD5withRSA (OIW)"),
            Map.entry("1.3.14.3.2.29", "SHA1withRSA (OIW)"),
            Map.entry("1.3.14.3.2.27", "SHA1withDSA (OIW)"),
            Map.entry("1.2.840.10040.4.3", "SHA1withDSA"),
            Map.entry("1.2.840.10045.4.1", "SHA1withECDSA"));
    /** The named curves TLS 1.3 signs with (RFC 8446 §4.2.3): P-256, P-384, P-521. */
    private static final Map<ASN1ObjectIdentifier, String> ALLOWED_CURVES = Map.of(
            SECObjectIdentifiers.secp256r1, "P-256",
            SECObjectIdentifiers.secp384r1, "P-384",
            SECObjectIdentifiers.secp521r1, "P-521");

    private final Map<X500Principal, List<X509Certificate>> roots = new HashMap<>();
    private final Map<X500Principal, List<X509Certificate>> pinsOnly = new HashMap<>();
    private final Set<ByteBuffer> pins = new HashSet<>();
    private final Map<X500Principal, List<X509Certificate>> intermediates = new HashMap<>();
    private final Map<X500Principal, List<X509CRL>> crls = new HashMap<>();
    private final RevocationPolicy revocation;
    private final Consumer<X509CRL> staleCrls;

    /**
     * Indexes a snapshot's trust material; revocation under {@link RevocationPolicy#PREFER}.
     *
     * @param contents the snapshot
     */
    public ChainValidator(StoreContents contents) {
        this(contents, RevocationPolicy.PREFER, null);
    }

    /**
     * Indexes a snapshot's trust material.
     *
     * @param contents the snapshot
     * @param revocation how missing or stale CRLs are treated
     * @param staleCrls told about each CRL past its nextUpdate met while checking a path (may be null)
     */
    public ChainValidator(StoreContents contents, RevocationPolicy revocation, Consumer<X509CRL> staleCrls) {
        this.revocation = Objects.requireNonNull(revocation, "revocation");
        this.staleCrls = staleCrls;
        for (X509Certificate c : contents.trustedRoots()) {
            pins.add(ByteBuffer.wrap(encoded(c)));
            (mayIssue(c) == null ? roots : pinsOnly)
                    .computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(c);
        }
        for (X509Certificate c : contents.intermediates()) {
            intermediates
                    .computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(c);
        }
        for (X509CRL crl : contents.crls()) {
            crls.computeIfAbsent(crl.getIssuerX500Principal(), k -> new ArrayList<>())
                    .add(crl);
        }
    }

    /**
     * Validates a chain.
     *
     * @param chain end entity first, then any certificates the holder supplied
     * @param info description of {@code chain.get(0)} (carries the R8 classification)
     * @param time the validation instant
     * @param required key purposes the role needs
     * @param minRsaBits smallest acceptable RSA modulus
     * @param selfSignedAccepted whether a self-signed end entity is acceptable without being a
     *     trusted root (true for the server's own certificates, R9 tiers 3 and 4)
     * @return the outcome
     */
    public ValidationResult validate(
            List<X509Certificate> chain,
            CertificateInfo info,
            Instant time,
            Set<KeyPurpose> required,
            int minRsaBits,
            boolean selfSignedAccepted) {
        if (chain.isEmpty()) {
            return ValidationResult.invalid(ValidationFailure.EMPTY_CHAIN, "no certificate", -1, null);
        }
        X509Certificate leaf = chain.get(0);
        ValidationResult r = checkTime(leaf, 0, time);
        if (r != null) {
            return r;
        }
        r = checkKey(leaf, 0, minRsaBits);
        if (r != null) {
            return r;
        }
        boolean[] ku = leaf.getKeyUsage();
        if (ku != null && (ku.length <= KU_DIGITAL_SIGNATURE || !ku[KU_DIGITAL_SIGNATURE])) {
            return ValidationResult.invalid(
                    ValidationFailure.KEY_USAGE,
                    "key usage does not include digitalSignature, required by TLS 1.2/1.3 authentication",
                    0,
                    leaf);
        }
        for (KeyPurpose p : required) {
            if (!info.allows(p)) {
                return ValidationResult.invalid(
                        ValidationFailure.MISSING_EKU,
                        "extended key usage lacks " + p + " (" + p.oid() + "); has " + info.keyPurposes(),
                        0,
                        leaf);
            }
        }
        if (isPinned(leaf)) {
            // R25: a trusted certificate presented as it is: the exact-match pin (its own anchor)
            return ValidationResult.valid(List.of(leaf));
        }
        if (info.kind() == org.umsec.certs.CertificateKind.SELF_SIGNED) {
            if (selfSignedAccepted) {
                return ValidationResult.valid(List.of(leaf));
            }
            boolean sameName = !pinsOnly.getOrDefault(leaf.getSubjectX500Principal(), List.of())
                            .isEmpty()
                    || !roots.getOrDefault(leaf.getSubjectX500Principal(), List.of())
                            .isEmpty();
            return ValidationResult.invalid(
                    ValidationFailure.UNKNOWN_CA,
                    "self-signed certificate " + leaf.getSubjectX500Principal().getName()
                            + " is not in the trusted root store"
                            + (sameName
                                    ? " (a trusted certificate has the same name, but a pin matches only the"
                                            + " very certificate, byte for byte)"
                                    : ""),
                    0,
                    leaf);
        }
        return validatePath(chain, time, minRsaBits);
    }

    /**
     * Whether a CA certificate is a trusted issuer: a trusted root that may issue (R25), or an
     * intermediate CA whose own path to such a root validates. Used to accept CRLs only from issuers
     * the store trusts.
     *
     * @param ca the candidate issuer
     * @param time the validation instant
     * @param minRsaBits smallest acceptable RSA modulus below the anchor
     * @return valid with the path, or why not
     */
    public ValidationResult validateIssuer(X509Certificate ca, Instant time, int minRsaBits) {
        String notCa = mayIssue(ca);
        if (notCa != null) {
            return ValidationResult.invalid(
                    ValidationFailure.ISSUER_NOT_CA,
                    ca.getSubjectX500Principal().getName() + " may not issue: " + notCa,
                    0,
                    ca);
        }
        for (X509Certificate root : roots.getOrDefault(ca.getSubjectX500Principal(), List.of())) {
            if (root.equals(ca)) {
                ValidationResult r = checkTime(ca, 0, time);
                return r != null ? r : ValidationResult.valid(List.of(ca));
            }
        }
        ValidationResult r = checkTime(ca, 0, time);
        if (r != null) {
            return r;
        }
        if (X509Support.isSelfSigned(ca)) {
            return ValidationResult.invalid(
                    ValidationFailure.UNKNOWN_CA,
                    "CA certificate " + ca.getSubjectX500Principal().getName() + " is not a trusted root",
                    0,
                    ca);
        }
        return validatePath(List.of(ca), time, minRsaBits);
    }

    private boolean isPinned(X509Certificate cert) {
        return pins.contains(ByteBuffer.wrap(encoded(cert)));
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /**
     * R25: may this certificate issue others?
     *
     * @param c a CA candidate
     * @return null when it may, otherwise why not
     */
    static String mayIssue(X509Certificate c) {
        if (c.getBasicConstraints() < 0) {
            return "it is not a CA (basicConstraints "
                    + (c.getExtensionValue("2.5.29.19") == null ? "absent" : "CA:FALSE") + ")";
        }
        boolean[] ku = c.getKeyUsage();
        if (ku != null && (ku.length <= KU_KEY_CERT_SIGN || !ku[KU_KEY_CERT_SIGN])) {
            return "its key usage lacks keyCertSign";
        }
        return null;
    }

    private ValidationResult validatePath(List<X509Certificate> chain, Instant time, int minRsaBits) {
        Map<X500Principal, List<X509Certificate>> supplied = new HashMap<>();
        for (int i = 1; i < chain.size(); i++) {
            supplied.computeIfAbsent(chain.get(i).getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(chain.get(i));
        }
        List<X509Certificate> path = new ArrayList<>();
        X509Certificate current = chain.get(0);
        path.add(current);
        X509Certificate anchor = null;
        while (anchor == null) {
            int index = path.size() - 1;
            X500Principal issuer = current.getIssuerX500Principal();
            boolean nameMatched = false;
            for (X509Certificate root : roots.getOrDefault(issuer, List.of())) {
                nameMatched = true;
                if (verifies(current, root)) {
                    anchor = root;
                    break;
                }
            }
            if (anchor != null) {
                break;
            }
            // a trusted certificate that may not issue and whose key signed this one: the attack of R25
            X509Certificate notCa = null;
            for (X509Certificate pin : pinsOnly.getOrDefault(issuer, List.of())) {
                nameMatched = true;
                if (verifies(current, pin)) {
                    notCa = pin;
                    break;
                }
            }
            if (path.size() > 1 && X509Support.isSelfSigned(current)) {
                return ValidationResult.invalid(
                        ValidationFailure.UNKNOWN_CA,
                        "chain ends at root "
                                + current.getSubjectX500Principal().getName() + ", which is not a trusted root",
                        index,
                        current);
            }
            if (path.size() >= MAX_DEPTH) {
                return ValidationResult.invalid(
                        ValidationFailure.INVALID_PATH,
                        "path longer than " + MAX_DEPTH + " certificates",
                        index,
                        current);
            }
            X509Certificate next = null;
            X509Certificate fallback = null;
            List<X509Certificate> candidates = new ArrayList<>(supplied.getOrDefault(issuer, List.of()));
            candidates.addAll(intermediates.getOrDefault(issuer, List.of()));
            ValidationResult weakIssuer = null;
            for (X509Certificate c : candidates) {
                nameMatched = true;
                if (path.contains(c)) {
                    continue;
                }
                // a weak issuer key is refused before its signature is even tried (the JDK may not
                // know the curve, which would otherwise surface as a bad signature)
                ValidationResult weak = checkKey(c, path.size(), minRsaBits);
                if (weak != null) {
                    if (weakIssuer == null && weak.failure().orElseThrow() == ValidationFailure.WEAK_KEY) {
                        weakIssuer = weak;
                    }
                    continue;
                }
                if (!verifies(current, c)) {
                    continue;
                }
                if (mayIssue(c) != null) {
                    if (notCa == null) {
                        notCa = c;
                    }
                    continue;
                }
                if (checkTime(c, 0, time) == null) {
                    next = c;
                    break;
                }
                if (fallback == null) {
                    fallback = c;
                }
            }
            if (next == null) {
                next = fallback;
            }
            if (next == null) {
                if (notCa != null) {
                    boolean trusted = isPinned(notCa);
                    return ValidationResult.invalid(
                            ValidationFailure.ISSUER_NOT_CA,
                            current.getSubjectX500Principal().getName() + " is signed by "
                                    + (trusted ? "trusted certificate " : "")
                                    + notCa.getSubjectX500Principal().getName() + ", which may not issue certificates: "
                                    + mayIssue(notCa)
                                    + (trusted
                                            ? "; a trusted end-entity certificate is an exact-match pin,"
                                                    + " never an issuer"
                                            : ""),
                            index + 1,
                            notCa);
                }
                if (weakIssuer != null) {
                    return weakIssuer;
                }
                if (nameMatched) {
                    return ValidationResult.invalid(
                            ValidationFailure.BAD_SIGNATURE,
                            "signature of "
                                    + current.getSubjectX500Principal().getName()
                                    + " does not verify with any certificate named "
                                    + issuer.getName(),
                            index,
                            current);
                }
                return ValidationResult.invalid(
                        ValidationFailure.UNKNOWN_CA,
                        "issuer " + issuer.getName() + " of "
                                + current.getSubjectX500Principal().getName()
                                + " is neither a trusted root nor a known intermediate",
                        index,
                        current);
            }
            path.add(next);
            current = next;
        }
        ValidationResult r = checkIssuers(path, anchor);
        if (r != null) {
            return r;
        }
        for (int i = 0; i < path.size(); i++) {
            r = checkSignatureAlgorithm(path.get(i), i);
            if (r == null && i > 0) {
                r = checkKey(path.get(i), i, minRsaBits);
            }
            if (r != null) {
                return r;
            }
        }
        r = pkix(path, anchor, time);
        if (r != null) {
            return r;
        }
        r = checkTime(anchor, path.size(), time);
        if (r != null) {
            return r;
        }
        r = checkRevocation(path, anchor, time);
        if (r != null) {
            return r;
        }
        List<X509Certificate> full = new ArrayList<>(path);
        full.add(anchor);
        return ValidationResult.valid(full);
    }

    /** Path length constraints of every issuer, the anchor's included (the JDK ignores the anchor's). */
    private static ValidationResult checkIssuers(List<X509Certificate> path, X509Certificate anchor) {
        for (int i = 1; i <= path.size(); i++) {
            X509Certificate ca = i < path.size() ? path.get(i) : anchor;
            int below = i - 1; // intermediate CAs between this issuer and the end entity
            int pathLen = ca.getBasicConstraints();
            if (below > pathLen) {
                return ValidationResult.invalid(
                        ValidationFailure.ISSUER_NOT_CA,
                        "CA certificate "
                                + ca.getSubjectX500Principal().getName() + " allows " + pathLen
                                + " intermediate CA(s) below it (pathLenConstraint) but the path has " + below,
                        i,
                        ca);
            }
        }
        return null;
    }

    /**
     * R25: MD5 and SHA-1 signatures are forgeable by collision; refused below the anchor.
     *
     * @param c a certificate below the anchor
     * @param index its index in the path
     * @return null when acceptable
     */
    static ValidationResult checkSignatureAlgorithm(X509Certificate c, int index) {
        String oid = c.getSigAlgOID();
        String weak = WEAK_SIGNATURES.get(oid);
        if (weak == null && OID_RSASSA_PSS.equals(oid)) {
            weak = weakPssDigest(c.getSigAlgParams());
        }
        if (weak == null) {
            String name = c.getSigAlgName().toUpperCase(Locale.ROOT);
            if (name.startsWith("MD2")
                    || name.startsWith("MD4")
                    || name.startsWith("MD5")
                    || name.startsWith("SHA1")
                    || name.startsWith("SHA-1")) {
                weak = c.getSigAlgName();
            }
        }
        if (weak == null) {
            return null;
        }
        return ValidationResult.invalid(
                ValidationFailure.WEAK_SIGNATURE,
                (index == 0 ? "certificate " : "CA certificate ")
                        + c.getSubjectX500Principal().getName() + " is signed with " + weak
                        + "; MD5 and SHA-1 signatures are refused",
                index,
                c);
    }

    private static String weakPssDigest(byte[] params) {
        if (params == null) {
            return "RSASSA-PSS with the default SHA-1 digest";
        }
        try {
            AlgorithmParameters ap = AlgorithmParameters.getInstance("RSASSA-PSS");
            ap.init(params);
            PSSParameterSpec spec = ap.getParameterSpec(PSSParameterSpec.class);
            String digest = spec.getDigestAlgorithm().toUpperCase(Locale.ROOT).replace("-", "");
            String mgf = spec.getMGFParameters() instanceof MGF1ParameterSpec m
                    ? m.getDigestAlgorithm().toUpperCase(Locale.ROOT).replace("-", "")
                    : "";
            if (digest.equals("SHA1") || digest.startsWith("MD") || mgf.equals("SHA1") || mgf.startsWith("MD")) {
                return "RSASSA-PSS over " + spec.getDigestAlgorithm() + " (MGF1 " + mgf + ")";
            }
            return null;
        } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
            return "RSASSA-PSS with unreadable parameters";
        }
    }

    private static boolean verifies(X509Certificate subject, X509Certificate issuer) {
        return X509Support.verifies(subject, issuer.getPublicKey());
    }

    private static boolean crlVerifies(X509CRL crl, PublicKey key) {
        try {
            crl.verify(key);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static ValidationResult pkix(List<X509Certificate> path, X509Certificate anchor, Instant time) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            CertPath certPath = cf.generateCertPath(path);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setDate(Date.from(time));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return null;
        } catch (CertPathValidatorException e) {
            int index = e.getIndex();
            X509Certificate failing = index >= 0 && index < path.size() ? path.get(index) : null;
            String name = failing == null
                    ? ""
                    : " (" + failing.getSubjectX500Principal().getName() + ")";
            ValidationFailure f = ValidationFailure.INVALID_PATH;
            CertPathValidatorException.Reason reason = e.getReason();
            if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
                f = ValidationFailure.EXPIRED;
            } else if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                f = ValidationFailure.NOT_YET_VALID;
            } else if (reason == CertPathValidatorException.BasicReason.REVOKED) {
                f = ValidationFailure.REVOKED;
            } else if (reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
                f = ValidationFailure.BAD_SIGNATURE;
            } else if (reason == CertPathValidatorException.BasicReason.ALGORITHM_CONSTRAINED) {
                f = ValidationFailure.WEAK_ALGORITHM;
            } else if (reason == PKIXReason.NOT_CA_CERT) {
                f = ValidationFailure.ISSUER_NOT_CA;
                name = name + " is not a CA certificate";
            } else if (reason == PKIXReason.PATH_TOO_LONG) {
                f = ValidationFailure.ISSUER_NOT_CA;
            }
            return ValidationResult.invalid(f, "PKIX: " + e.getMessage() + name, index, failing);
        } catch (GeneralSecurityException e) {
            return ValidationResult.invalid(ValidationFailure.INVALID_PATH, "PKIX: " + e.getMessage(), -1, null);
        }
    }

    private ValidationResult checkRevocation(List<X509Certificate> path, X509Certificate anchor, Instant time) {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            X509Certificate issuerCert = i + 1 < path.size() ? path.get(i + 1) : anchor;
            boolean current = false;
            X509CRL stale = null;
            for (X509CRL crl : crls.getOrDefault(cert.getIssuerX500Principal(), List.of())) {
                if (!mayIssueCrls(issuerCert) || !crlVerifies(crl, issuerCert.getPublicKey())) {
                    continue; // a CRL with the same issuer name but another key: not this issuer's CRL
                }
                X509CRLEntry entry = crl.getRevokedCertificate(cert);
                if (entry != null) {
                    return ValidationResult.invalid(
                            ValidationFailure.REVOKED,
                            "certificate "
                                    + cert.getSubjectX500Principal().getName() + " serial "
                                    + cert.getSerialNumber().toString(16)
                                    + " revoked on " + entry.getRevocationDate().toInstant() + " by CRL of "
                                    + crl.getIssuerX500Principal().getName(),
                            i,
                            cert);
                }
                if (isStale(crl, time)) {
                    stale = crl;
                    if (staleCrls != null) {
                        staleCrls.accept(crl);
                    }
                } else {
                    current = true;
                }
            }
            if (revocation == RevocationPolicy.REQUIRE && !current) {
                String issuer = issuerCert.getSubjectX500Principal().getName();
                return ValidationResult.invalid(
                        ValidationFailure.REVOCATION_UNKNOWN,
                        "revocation status of "
                                + cert.getSubjectX500Principal().getName() + " unknown: "
                                + (stale == null
                                        ? "the store holds no CRL of " + issuer
                                        : "the CRL of " + issuer + " is past its nextUpdate "
                                                + stale.getNextUpdate().toInstant())
                                + " and revocation is required",
                        i,
                        cert);
            }
        }
        return null;
    }

    /**
     * @param crl a CRL
     * @param time the instant
     * @return whether the CRL is past its nextUpdate (a CRL without nextUpdate never is)
     */
    public static boolean isStale(X509CRL crl, Instant time) {
        return crl.getNextUpdate() != null && time.isAfter(crl.getNextUpdate().toInstant());
    }

    /**
     * @param issuer a CRL issuer's certificate
     * @return whether its key usage allows signing CRLs (absent key usage allows everything)
     */
    public static boolean mayIssueCrls(X509Certificate issuer) {
        boolean[] ku = issuer.getKeyUsage();
        return ku == null || (ku.length > KU_CRL_SIGN && ku[KU_CRL_SIGN]);
    }

    private static ValidationResult checkTime(X509Certificate c, int index, Instant time) {
        if (time.isAfter(c.getNotAfter().toInstant())) {
            return ValidationResult.invalid(
                    ValidationFailure.EXPIRED,
                    (index == 0 ? "certificate " : "CA certificate ")
                            + c.getSubjectX500Principal().getName() + " expired at "
                            + c.getNotAfter().toInstant(),
                    index,
                    c);
        }
        if (time.isBefore(c.getNotBefore().toInstant())) {
            return ValidationResult.invalid(
                    ValidationFailure.NOT_YET_VALID,
                    (index == 0 ? "certificate " : "CA certificate ")
                            + c.getSubjectX500Principal().getName() + " is valid only from "
                            + c.getNotBefore().toInstant(),
                    index,
                    c);
        }
        return null;
    }

    private static ValidationResult checkKey(X509Certificate c, int index, int minRsaBits) {
        PublicKey key = c.getPublicKey();
        String alg = key.getAlgorithm();
        int bits = X509Support.keySize(key);
        String whose = (index == 0
                ? ""
                : "CA certificate " + c.getSubjectX500Principal().getName() + ": ");
        if (alg.equals("RSA") || alg.equals("RSASSA-PSS")) {
            if (bits < minRsaBits) {
                return ValidationResult.invalid(
                        ValidationFailure.WEAK_KEY,
                        whose + "RSA key of " + bits + " bits, below the minimum of " + minRsaBits,
                        index,
                        c);
            }
            return null;
        }
        if (alg.equals("EC")) {
            String curve = curveProblem(key);
            if (curve == null) {
                return null;
            }
            return ValidationResult.invalid(
                    ValidationFailure.WEAK_KEY,
                    whose + "EC key on " + curve + "; only P-256, P-384 and P-521 are accepted",
                    index,
                    c);
        }
        if (Arrays.asList("EdDSA", "Ed25519", "Ed448").contains(alg)) {
            return null;
        }
        LOG.debug("unsupported key algorithm {} in {}", alg, c.getSubjectX500Principal());
        return ValidationResult.invalid(
                ValidationFailure.UNSUPPORTED_KEY, whose + alg + " keys cannot authenticate TLS 1.2/1.3", index, c);
    }

    /**
     * Identifies the curve by the named-curve OID of the encoded key: an EC key with explicit
     * parameters or on any other curve (brainpool, secp256k1, P-224, ...) is refused, even when its
     * size matches an allowed one.
     *
     * @param key an EC public key
     * @return null for P-256, P-384 or P-521, otherwise a description of the curve
     */
    static String curveProblem(PublicKey key) {
        try {
            ASN1Encodable params = SubjectPublicKeyInfo.getInstance(key.getEncoded())
                    .getAlgorithm()
                    .getParameters();
            if (params instanceof ASN1ObjectIdentifier oid) {
                if (ALLOWED_CURVES.containsKey(oid)) {
                    return null;
                }
                String name = ECNamedCurveTable.getName(oid);
                return "curve " + (name != null ? name + " (" + oid.getId() + ")" : oid.getId());
            }
            return "explicit curve parameters";
        } catch (RuntimeException e) {
            return "an unreadable curve (" + e.getMessage() + ")";
        }
    }

    /**
     * Roots of this snapshot.
     *
     * @return all trusted roots
     */
    public Collection<List<X509Certificate>> roots() {
        return roots.values();
    }
}
