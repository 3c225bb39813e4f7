package org.umsec.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-call hand-off ring: order, wrap-around, bounds, and one producer with one consumer thread. */
class RecordingQueueTest {

    /** What a drain saw, as text: {@code a:<pt>:<ts>:<arrival>:<len>:<first byte>} or {@code d:<digit>:<ms>}. */
    static final class Seen implements RecordingQueue.Consumer {
        final List<String> records = new ArrayList<>();

        @Override
        public void audio(int payloadType, long timestamp, long arrivalMillis, byte[] buf, int off, int len) {
            for (int i = 1; i < len; i++) {
                assertThat(buf[off + i]).isEqualTo(buf[off]); // the payload arrives whole
            }
            records.add("a:" + payloadType + ":" + timestamp + ":" + arrivalMillis + ":" + len + ":"
                    + (len == 0 ? "-" : Byte.toString(buf[off])));
        }

        @Override
        public void dtmf(char digit, int durationMillis) {
            records.add("d:" + digit + ":" + durationMillis);
        }
    }

    @Test
    void recordsComeOutInOrderAcrossManyWrapsWithAnyPayloadLength() {
        long seed = Long.getLong("umsec.seed", System.nanoTime());
        Random rnd = new Random(seed);
        RecordingQueue q = new RecordingQueue();
        Seen seen = new Seen();
        List<String> expected = new ArrayList<>();
        byte[] src = new byte[MediaSession.MAX_DATAGRAM];
        for (int round = 0; round < 2000; round++) {
            int batch = 1 + rnd.nextInt(12);
            for (int i = 0; i < batch; i++) {
                if (rnd.nextInt(10) == 0) {
                    char digit = "0123456789*#ABCD".charAt(rnd.nextInt(16));
                    int ms = rnd.nextInt(5000);
                    if (q.offerDtmf(digit, ms)) {
                        expected.add("d:" + digit + ":" + ms);
                    }
                    continue;
                }
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(src.length + 1) : 160;
                byte fill = (byte) rnd.nextInt();
                Arrays.fill(src, 0, len, fill);
                long ts = rnd.nextLong() & 0xFFFF_FFFFL;
                long arrival = rnd.nextLong();
                int pt = rnd.nextBoolean() ? 0 : 8;
                if (q.offerAudio(pt, ts, arrival, src, 0, len)) {
                    expected.add("a:" + pt + ":" + ts + ":" + arrival + ":" + len + ":"
                            + (len == 0 ? "-" : Byte.toString(fill)));
                }
            }
            if (rnd.nextInt(3) > 0) {
                q.drain(seen);
            }
        }
        q.drain(seen);
        assertThat(seen.records).as("seed " + seed).isEqualTo(expected);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aFullRingRefusesWithoutLosingWhatItHolds() {
        RecordingQueue q = new RecordingQueue();
        byte[] payload = new byte[160];
        int accepted = 0;
        while (q.offerAudio(0, accepted, accepted, payload, 0, payload.length)) {
            accepted++;
            assertThat(accepted).isLessThan(RecordingQueue.CAPACITY); // bounded
        }
        // 16 octets of header + 160 of payload each: about 1.9 s of 20 ms G.711
        assertThat(accepted).isEqualTo(RecordingQueue.CAPACITY / 176);
        assertThat(q.pastHalf()).isTrue();
        Seen seen = new Seen();
        assertThat(q.drain(seen)).isEqualTo(accepted);
        assertThat(seen.records.get(0)).startsWith("a:0:0:0:160");
        assertThat(seen.records.get(accepted - 1)).startsWith("a:0:" + (accepted - 1) + ":");
        assertThat(q.pastHalf()).isFalse();
        assertThat(q.offerAudio(0, 1, 1, payload, 0, payload.length)).isTrue(); // room again
    }

    @Test
    void oneProducerThreadAndOneConsumerThreadSeeEveryRecordOnce() throws Exception {
        RecordingQueue q = new RecordingQueue();
        int total = 200_000;
        long[] next = {0};
        boolean[] ok = {true};
        RecordingQueue.Consumer check = new RecordingQueue.Consumer() {
            @Override
            public void audio(int payloadType, long timestamp, long arrivalMillis, byte[] buf, int off, int len) {
                ok[0] &= timestamp == next[0] && arrivalMillis == next[0] && len == 160 && buf[off] == (byte) next[0];
                next[0]++;
            }

            @Override
            public void dtmf(char digit, int durationMillis) {
                ok[0] = false;
            }
        };
        Thread consumer = new Thread(() -> {
            while (next[0] < total) {
                if (q.drain(check) == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        consumer.start();
        byte[] payload = new byte[160];
        for (long i = 0; i < total; ) {
            Arrays.fill(payload, (byte) i);
            if (q.offerAudio(0, i, i, payload, 0, 160)) {
                i++;
            } else {
                Thread.onSpinWait();
            }
        }
        consumer.join(60_000);
        assertThat(consumer.isAlive()).isFalse();
        assertThat(next[0]).isEqualTo(total);
        assertThat(ok[0]).isTrue();
    }
}
