/**
 * umsec SRTP: an allocation-free SRTP/SRTCP crypto core (RFC 3711, RFC 6188, RFC 7714) that
 * depends on the JDK only.
 */
module org.umsec.srtp {
    exports org.umsec.srtp;
    exports org.umsec.srtp.replay;
}
