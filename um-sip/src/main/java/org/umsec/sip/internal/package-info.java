/** Implementation details of um-sip; not exported. */
package org.umsec.sip.internal;
