package org.umsec.server.media;

import java.io.IOException;

/**
 * A recording reached its size limit. Thrown by a call handler's {@code audio} (the
 * {@link VoicemailRecorder} at {@code voicemail.maxBytes}); the server then ends the call with
 * {@link org.umsec.server.CallEndReason#RECORDING_LIMIT} and keeps what was recorded.
 */
public final class RecordingLimitException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what limit was reached */
    public RecordingLimitException(String message) {
        super(message);
    }
}
