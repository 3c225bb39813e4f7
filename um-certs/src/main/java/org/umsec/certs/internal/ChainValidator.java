package org.umsec.certs.internal;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsec.certs.CertificateInfo;
import org.umsec.certs.KeyPurpose;
import org.umsec.certs.StoreContents;
import org.umsec.certs.ValidationFailure;
import org.umsec.certs.ValidationResult;

/**
 * Validates an end-entity certificate and its path against a store snapshot. Checks, in order:
 * validity period of the end entity, key type and size, key usage, extended key usage, then the
 * path: built by issuer name and signature from the presented chain and the store's intermediates
 * to a trusted root, checked by the JDK's PKIX validator (validity, basic constraints, path length,
 * algorithm constraints) and finally against the store's CRLs. Thread-safe and immutable once built
 * from a snapshot; build one per snapshot.
 */
public final class ChainValidator {
    private static final Logger LOG = LoggerFactory.getLogger(ChainValidator.class);
    private static final int MAX_DEPTH = 10;
    private static final int KU_DIGITAL_SIGNATURE = 0;

    private final Map<X500Principal, List<X509Certificate>> roots = new HashMap<>();
    private final Map<X500Principal, List<X509Certificate>> intermediates = new HashMap<>();
    private final Map<X500Principal, List<X509CRL>> crls = new HashMap<>();

    /**
     * Indexes a snapshot's trust material.
     *
     * @param contents the snapshot
     */
    public ChainValidator(StoreContents contents) {
        for (X509Certificate c : contents.trustedRoots()) {
            roots.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>()).add(c);
        }
        for (X509Certificate c : contents.intermediates()) {
            intermediates.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>()).add(c);
        }
        for (X509CRL crl : contents.crls()) {
            crls.computeIfAbsent(crl.getIssuerX500Principal(), k -> new ArrayList<>()).add(crl);
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
    public ValidationResult validate(List<X509Certificate> chain, CertificateInfo info, Instant time,
            Set<KeyPurpose> required, int minRsaBits, boolean selfSignedAccepted) {
        if (chain.isEmpty()) {
            return ValidationResult.invalid(ValidationFailure.EMPTY_CHAIN, "no certificate", -1, null);
        }
        X509Certificate leaf = chain.get(0);
        ValidationResult r = checkTime(leaf, 0, time);
        if (r != null) {
            return r;
        }
        r = checkKey(leaf, minRsaBits);
        if (r != null) {
            return r;
        }
        boolean[] ku = leaf.getKeyUsage();
        if (ku != null && (ku.length <= KU_DIGITAL_SIGNATURE || !ku[KU_DIGITAL_SIGNATURE])) {
            return ValidationResult.invalid(ValidationFailure.KEY_USAGE,
                    "key usage does not include digitalSignature, required by TLS 1.2/1.3 authentication", 0, leaf);
        }
        for (KeyPurpose p : required) {
            if (!info.allows(p)) {
                return ValidationResult.invalid(ValidationFailure.MISSING_EKU,
                        "extended key usage lacks " + p + " (" + p.oid() + "); has " + info.keyPurposes(), 0, leaf);
            }
        }
        if (info.kind() == org.umsec.certs.CertificateKind.SELF_SIGNED) {
            if (selfSignedAccepted || isTrustedRoot(leaf)) {
                return ValidationResult.valid(List.of(leaf));
            }
            return ValidationResult.invalid(ValidationFailure.UNKNOWN_CA,
                    "self-signed certificate " + leaf.getSubjectX500Principal().getName()
                            + " is not in the trusted root store", 0, leaf);
        }
        return validatePath(chain, time);
    }

    private boolean isTrustedRoot(X509Certificate cert) {
        for (X509Certificate root : roots.getOrDefault(cert.getSubjectX500Principal(), List.of())) {
            if (root.equals(cert) || root.getPublicKey().equals(cert.getPublicKey())) {
                return true;
            }
        }
        return false;
    }

    private ValidationResult validatePath(List<X509Certificate> chain, Instant time) {
        Map<X500Principal, List<X509Certificate>> supplied = new HashMap<>();
        for (int i = 1; i < chain.size(); i++) {
            supplied.computeIfAbsent(chain.get(i).getSubjectX500Principal(), k -> new ArrayList<>()).add(chain.get(i));
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
            if (path.size() > 1 && X509Support.isSelfSigned(current)) {
                return ValidationResult.invalid(ValidationFailure.UNKNOWN_CA, "chain ends at root "
                        + current.getSubjectX500Principal().getName() + ", which is not a trusted root", index, current);
            }
            if (path.size() >= MAX_DEPTH) {
                return ValidationResult.invalid(ValidationFailure.INVALID_PATH,
                        "path longer than " + MAX_DEPTH + " certificates", index, current);
            }
            X509Certificate next = null;
            X509Certificate fallback = null;
            List<X509Certificate> candidates = new ArrayList<>(supplied.getOrDefault(issuer, List.of()));
            candidates.addAll(intermediates.getOrDefault(issuer, List.of()));
            for (X509Certificate c : candidates) {
                nameMatched = true;
                if (path.contains(c) || !verifies(current, c)) {
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
                if (nameMatched) {
                    return ValidationResult.invalid(ValidationFailure.BAD_SIGNATURE, "signature of "
                            + current.getSubjectX500Principal().getName() + " does not verify with any certificate named "
                            + issuer.getName(), index, current);
                }
                return ValidationResult.invalid(ValidationFailure.UNKNOWN_CA, "issuer " + issuer.getName() + " of "
                        + current.getSubjectX500Principal().getName()
                        + " is neither a trusted root nor a known intermediate", index, current);
            }
            path.add(next);
            current = next;
        }
        ValidationResult r = pkix(path, anchor, time);
        if (r != null) {
            return r;
        }
        r = checkTime(anchor, path.size(), time);
        if (r != null) {
            return r;
        }
        r = checkRevocation(path, anchor);
        if (r != null) {
            return r;
        }
        List<X509Certificate> full = new ArrayList<>(path);
        full.add(anchor);
        return ValidationResult.valid(full);
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
            String name = failing == null ? "" : " (" + failing.getSubjectX500Principal().getName() + ")";
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
                name = name + " is not a CA certificate";
            }
            return ValidationResult.invalid(f, "PKIX: " + e.getMessage() + name, index, failing);
        } catch (GeneralSecurityException e) {
            return ValidationResult.invalid(ValidationFailure.INVALID_PATH, "PKIX: " + e.getMessage(), -1, null);
        }
    }

    private ValidationResult checkRevocation(List<X509Certificate> path, X509Certificate anchor) {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            PublicKey issuerKey = (i + 1 < path.size() ? path.get(i + 1) : anchor).getPublicKey();
            for (X509CRL crl : crls.getOrDefault(cert.getIssuerX500Principal(), List.of())) {
                if (!crlVerifies(crl, issuerKey)) {
                    continue; // a CRL with the same issuer name but another key: not this issuer's CRL
                }
                X509CRLEntry entry = crl.getRevokedCertificate(cert);
                if (entry != null) {
                    return ValidationResult.invalid(ValidationFailure.REVOKED, "certificate "
                            + cert.getSubjectX500Principal().getName() + " serial " + cert.getSerialNumber().toString(16)
                            + " revoked on " + entry.getRevocationDate().toInstant() + " by CRL of "
                            + crl.getIssuerX500Principal().getName(), i, cert);
                }
            }
        }
        return null;
    }

    private static ValidationResult checkTime(X509Certificate c, int index, Instant time) {
        if (time.isAfter(c.getNotAfter().toInstant())) {
            return ValidationResult.invalid(ValidationFailure.EXPIRED, (index == 0 ? "certificate " : "CA certificate ")
                    + c.getSubjectX500Principal().getName() + " expired at " + c.getNotAfter().toInstant(), index, c);
        }
        if (time.isBefore(c.getNotBefore().toInstant())) {
            return ValidationResult.invalid(ValidationFailure.NOT_YET_VALID, (index == 0 ? "certificate " : "CA certificate ")
                    + c.getSubjectX500Principal().getName() + " is valid only from " + c.getNotBefore().toInstant(), index, c);
        }
        return null;
    }

    private static ValidationResult checkKey(X509Certificate c, int minRsaBits) {
        PublicKey key = c.getPublicKey();
        String alg = key.getAlgorithm();
        int bits = X509Support.keySize(key);
        if (alg.equals("RSA") || alg.equals("RSASSA-PSS")) {
            if (bits < minRsaBits) {
                return ValidationResult.invalid(ValidationFailure.WEAK_KEY,
                        "RSA key of " + bits + " bits, below the minimum of " + minRsaBits, 0, c);
            }
            return null;
        }
        if (alg.equals("EC")) {
            if (bits == 256 || bits == 384 || bits == 521) {
                return null;
            }
            return ValidationResult.invalid(ValidationFailure.UNSUPPORTED_KEY,
                    "EC key on a " + bits + "-bit curve; TLS accepts P-256, P-384 and P-521", 0, c);
        }
        if (Arrays.asList("EdDSA", "Ed25519", "Ed448").contains(alg)) {
            return null;
        }
        LOG.debug("unsupported key algorithm {} in {}", alg, c.getSubjectX500Principal());
        return ValidationResult.invalid(ValidationFailure.UNSUPPORTED_KEY,
                alg + " keys cannot authenticate TLS 1.2/1.3", 0, c);
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
