/**
 * SIP dialogs at the UAS (RFC 3261 §12–§14, RFC 4028): {@link org.umsec.sip.dialog.DialogLayer} matches
 * in-dialog requests by dialog ID and by the connection, peer identity and security mode each
 * {@link org.umsec.sip.dialog.Dialog} was created with, answers BYE, retransmits 2xx until ACK and runs
 * session timers; the application implements {@link org.umsec.sip.dialog.DialogHandler}.
 */
package org.umsec.sip.dialog;
