/**
 * The SIP message model and the application API.
 *
 * <p>{@link org.umsec.sip.SipMessage}, {@link org.umsec.sip.SipRequest} and {@link org.umsec.sip.SipResponse}
 * give typed access to the headers the stack needs ({@link org.umsec.sip.Via}, {@link org.umsec.sip.NameAddress}
 * for From/To/Contact/Route/Record-Route, {@link org.umsec.sip.CSeq}, Call-ID, Max-Forwards, Content-Type)
 * and raw access to every header through {@link org.umsec.sip.SipHeaders}. Applications answer requests
 * through {@link org.umsec.sip.transaction.SipRequestHandler} and {@link org.umsec.sip.transaction.ServerTransaction}; transports
 * plug in by implementing {@link org.umsec.sip.SipConnection}.
 */
package org.umsec.sip;
