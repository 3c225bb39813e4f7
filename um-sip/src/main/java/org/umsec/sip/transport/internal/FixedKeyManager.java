package org.umsec.sip.transport.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/** A key manager that always offers one certificate, whatever the key type asked for allows. */
public final class FixedKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "fixed";
    private final PrivateKey key;
    private final X509Certificate[] chain;

    /**
     * @param key private key
     * @param chain certificate first
     */
    public FixedKeyManager(PrivateKey key, List<X509Certificate> chain) {
        this.key = Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        this.chain = chain.toArray(new X509Certificate[0]);
    }

    private boolean matches(String keyType) {
        if (keyType == null) {
            return false;
        }
        String t = keyType.contains("_") ? keyType.substring(0, keyType.indexOf('_')) : keyType;
        String alg = key.getAlgorithm();
        return t.equalsIgnoreCase(alg)
                || ("EC".equalsIgnoreCase(t) && "ECDSA".equalsIgnoreCase(alg))
                || ("RSASSA-PSS".equalsIgnoreCase(t) && "RSA".equalsIgnoreCase(alg));
    }

    private String any(String[] keyTypes) {
        if (keyTypes != null) {
            for (String t : keyTypes) {
                if (matches(t)) {
                    return ALIAS;
                }
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return any(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? ALIAS : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return any(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? ALIAS : null;
    }
}
