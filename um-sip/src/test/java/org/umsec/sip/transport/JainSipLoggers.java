package org.umsec.sip.transport;

import gov.nist.core.ServerLogger;
import gov.nist.core.StackLogger;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Properties;

/** Quiet loggers for the JAIN-SIP RI, whose default ones need log4j 1.x. */
final class JainSipLoggers {
    private JainSipLoggers() {}

    /** Stack logger: errors to SLF4J, the rest dropped. */
    public static final class Stack implements StackLogger {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("jain-sip");

        /** Created by the RI by reflection. */
        public Stack() {}

        @Override
        public void logStackTrace() {}

        @Override
        public void logStackTrace(int traceLevel) {}

        @Override
        public int getLineCount() {
            return 0;
        }

        @Override
        public void logException(Throwable ex) {
            LOG.debug("jain-sip exception", ex);
        }

        @Override
        public void logDebug(String message) {}

        @Override
        public void logDebug(String message, Exception ex) {}

        @Override
        public void logTrace(String message) {}

        @Override
        public void logFatalError(String message) {
            LOG.error(message);
        }

        @Override
        public void logError(String message) {
            LOG.warn(message);
        }

        @Override
        public boolean isLoggingEnabled() {
            return false;
        }

        @Override
        public boolean isLoggingEnabled(int logLevel) {
            return false;
        }

        @Override
        public void logError(String message, Exception ex) {
            LOG.warn(message, ex);
        }

        @Override
        public void logWarning(String message) {
            LOG.debug(message);
        }

        @Override
        public void logInfo(String message) {}

        @Override
        public void disableLogging() {}

        @Override
        public void enableLogging() {}

        @Override
        public void setBuildTimeStamp(String buildTimeStamp) {}

        @Override
        public void setStackProperties(Properties stackProperties) {}

        @Override
        public String getLoggerName() {
            return "jain-sip";
        }
    }

    /** Message logger: drops everything. */
    public static final class Server implements ServerLogger {
        /** Created by the RI by reflection. */
        public Server() {}

        @Override
        public void closeLogFile() {}

        @Override
        public void logMessage(SIPMessage message, String from, String to, boolean sender, long time) {}

        @Override
        public void logMessage(SIPMessage message, String from, String to, String status, boolean sender, long time) {}

        @Override
        public void logMessage(SIPMessage message, String from, String to, String status, boolean sender) {}

        @Override
        public void logException(Exception ex) {}

        @Override
        public void setStackProperties(Properties stackProperties) {}

        @Override
        public void setSipStack(javax.sip.SipStack sipStack) {}
    }
}
