package org.umsec.certs;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Certificate templates of the small CA, named after the Windows CA templates the document uses
 * (R13, R14).
 */
public enum CertificateProfile {
    /** "Web server": server authentication only. Enough for gateways that do not demand more. */
    WEB_SERVER(EnumSet.of(KeyPurpose.SERVER_AUTH)),
    /** "Computer": server and client authentication, as Dialogic 2000/4000 gateways require. */
    COMPUTER(EnumSet.of(KeyPurpose.SERVER_AUTH, KeyPurpose.CLIENT_AUTH));

    private final Set<KeyPurpose> purposes;

    CertificateProfile(Set<KeyPurpose> purposes) {
        this.purposes = Collections.unmodifiableSet(purposes);
    }

    /** @return the extended key usages this template puts in a certificate */
    public Set<KeyPurpose> purposes() {
        return purposes;
    }
}
