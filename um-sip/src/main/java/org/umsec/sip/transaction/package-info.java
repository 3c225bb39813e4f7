/**
 * SIP transactions for reliable transports (RFC 3261 §17): {@link org.umsec.sip.transaction.TransactionLayer}
 * with server transactions for INVITE, CANCEL and other methods and client transactions with Timers B and F
 * on an injectable {@link org.umsec.sip.transaction.TimerScheduler}.
 */
package org.umsec.sip.transaction;
