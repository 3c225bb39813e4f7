package org.umsec.srtp;

import java.util.Arrays;
import org.jitsi.utils.ByteArrayBuffer;

/** jitsi-srtp's in-place packet buffer over a reused array (grows only when too small). */
final class JitsiBuffer implements ByteArrayBuffer {
    private byte[] buf;
    private int off;
    private int len;

    JitsiBuffer(int capacity) {
        buf = new byte[capacity];
    }

    /** Copies {@code data} in as the packet. */
    void load(byte[] data, int length) {
        System.arraycopy(data, 0, buf, 0, length);
        off = 0;
        len = length;
    }

    @Override
    public byte[] getBuffer() {
        return buf;
    }

    @Override
    public int getOffset() {
        return off;
    }

    @Override
    public int getLength() {
        return len;
    }

    @Override
    public void setLength(int l) {
        len = l;
    }

    @Override
    public void setOffset(int o) {
        off = o;
    }

    @Override
    public boolean isInvalid() {
        return false;
    }

    @Override
    public void readRegionToBuff(int o, int l, byte[] out) {
        System.arraycopy(buf, off + o, out, 0, l);
    }

    @Override
    public void grow(int n) {
        if (buf.length < off + len + n) {
            buf = Arrays.copyOf(buf, off + len + n);
        }
    }

    @Override
    public void append(byte[] data, int l) {
        grow(l);
        System.arraycopy(data, 0, buf, off + len, l);
        len += l;
    }

    @Override
    public void shrink(int n) {
        len = Math.max(0, len - n);
    }
}
