package org.umsec.certs.internal;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The BouncyCastle provider instance used inside um-certs. It is never registered with
 * {@link java.security.Security}: applications keep their own provider list untouched.
 */
public final class Bc {
    /** Shared, thread-safe provider instance. */
    public static final Provider PROVIDER = new BouncyCastleProvider();

    private Bc() {}
}
