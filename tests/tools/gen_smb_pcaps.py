#!/usr/bin/env python3
"""gen_smb_pcaps.py - deterministic generator of the SMB and DCE/RPC sample
captures: pcaps/app-smb2.pcap, pcaps/app-smb1.pcap, pcaps/app-dcerpc.pcap.

Usage:  python3 tests/tools/gen_smb_pcaps.py [OUTDIR]   (default: <repo>/pcaps/)

Design
------
* Standard library only; the packet builders (IPv4, TCP with checksums,
  Ethernet, the pcap writer, sessions and their clock) are imported from
  gen_pcaps.py. Nothing is random: two runs write byte-identical files.
* The messages are built field by field from the protocol documents
  (MS-SMB2, MS-CIFS/MS-SMB, MS-NLMP, RFC 4178 SPNEGO, DCE 1.1 RPC / MS-RPCE
  connection-oriented PDUs), each in its own function below, so a test can
  name what it holds:
    app-smb2.pcap   one SMB2 connection on 445: negotiate (dialects 2.02 to
                    3.02, 3.02 chosen), session setup with NTLMSSP
                    (negotiate, challenge, authenticate with user, domain and
                    host), tree connect to a disk share and to IPC$, create
                    of a file, read of it, close; create of the srvsvc named
                    pipe, DCE/RPC bind written to it and bind_ack read back,
                    a request (opnum 15) and its response through an IOCTL
                    (FSCTL_PIPE_TRANSCEIVE), close; a create that fails.
    app-smb1.pcap   one SMB1 connection on 139 with a NetBIOS session
                    request first: negotiate (NT LM 0.12), session setup
                    AndX (native OS and LAN manager strings), tree connect
                    AndX to IPC$.
    app-dcerpc.pcap DCE/RPC over TCP: the endpoint mapper on 135 (bind,
                    bind_ack, ept_map request and response) and a second
                    connection on a dynamic port (49667): bind to two
                    interfaces (one refused), a request of two fragments
                    and its response.
Owned by tests/tools/; writes only OUTDIR/app-smb*.pcap, app-dcerpc.pcap.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pcaps as g  # noqa: E402

P = struct.pack
CLI, SRV = '192.168.60.10', '10.30.0.5'


def u16s(s):
    return s.encode('utf-16-le')


# ------------------------------------------------------------------ NetBIOS
def nbss(msg, typ=0):
    return P('>BBH', typ, len(msg) >> 16, len(msg) & 0xffff) + msg


def nb_name(name):
    """First-level encoded NetBIOS name (RFC 1001 14.1), 32 bytes + length."""
    n = name.upper().ljust(15)[:15].encode() + b'\x20'
    enc = b''.join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in n)
    return bytes([32]) + enc + b'\0'


# ------------------------------------------------------------------ SMB2
SMB2_FLAGS_RESPONSE = 1


def smb2_hdr(cmd, msg_id, status=0, resp=False, tree=0, sess=0, next_cmd=0,
             credit=1):
    return (b'\xfeSMB' + P('<HHIHHIIQIIQ', 64, 0, status, cmd, credit,
                            SMB2_FLAGS_RESPONSE if resp else 0, next_cmd,
                            msg_id, 0, tree, sess) + b'\0' * 16)


GUID_C = bytes(range(0x10, 0x20))
GUID_S = bytes(range(0xa0, 0xb0))


def smb2_negotiate_req(dialects):
    body = P('<HHHHI', 36, len(dialects), 1, 0, 0x7f) + GUID_C + P('<Q', 0)
    body += b''.join(P('<H', d) for d in dialects)
    return smb2_hdr(0, 0) + body


def smb2_negotiate_resp(dialect, blob):
    body = P('<HHHH', 65, 1, dialect, 0) + GUID_S + P('<IIII', 0x2f, 8388608,
                                                       8388608, 8388608)
    body += P('<QQ', 0x01d5fb3b6e7b0000, 0) + P('<HHI', 128, len(blob), 0)
    return smb2_hdr(0, 0, resp=True) + body + blob


def der(tag, content):
    n = len(content)
    if n < 128:
        ln = bytes([n])
    elif n < 256:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + ln + content


SPNEGO_OID = der(0x06, bytes([0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]))
NTLM_OID = der(0x06, bytes([0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a]))


def spnego_init(token):
    """GSS-API InitialContextToken with a NegTokenInit (RFC 4178)."""
    inner = der(0x30, der(0xa0, der(0x30, NTLM_OID)) + der(0xa2, der(0x04, token)))
    return der(0x60, SPNEGO_OID + der(0xa0, inner))


def spnego_resp(token, state=None):
    parts = b''
    if state is not None:
        parts += der(0xa0, der(0x0a, bytes([state])))
    if state == 1:
        parts += der(0xa1, NTLM_OID)
    if token:
        parts += der(0xa2, der(0x04, token))
    return der(0xa1, der(0x30, parts))


NTLM_FLAGS = 0xe2088297          # unicode, NTLM, version, 128, 56, key exch...


def ntlm_negotiate():
    return b'NTLMSSP\0' + P('<II', 1, NTLM_FLAGS) + P('<HHI', 0, 0, 0) * 2 + \
        P('<BBHBBBB', 10, 0, 19041, 0, 0, 0, 15)


def ntlm_challenge():
    tinfo = P('<HH', 2, 8) + u16s('CORP') + P('<HH', 0, 0)
    target = u16s('CORP')
    off = 56
    return (b'NTLMSSP\0' + P('<I', 2) + P('<HHI', len(target), len(target), off) +
            P('<I', NTLM_FLAGS) + b'\x11\x22\x33\x44\x55\x66\x77\x88' + b'\0' * 8 +
            P('<HHI', len(tinfo), len(tinfo), off + len(target)) +
            P('<BBHBBBB', 10, 0, 17763, 0, 0, 0, 15) + target + tinfo)


def ntlm_authenticate(domain, user, host):
    d, u, h = u16s(domain), u16s(user), u16s(host)
    lm, nt, key = b'\0' * 24, bytes(range(48)), bytes(range(16))
    off = 88                      # header 64 + version 8 + MIC 16
    fields, payload = [], b''
    for x in (lm, nt, d, u, h, key):
        fields.append(P('<HHI', len(x), len(x), off + len(payload)))
        payload += x
    return (b'NTLMSSP\0' + P('<I', 3) + b''.join(fields[:5]) + fields[5] +
            P('<I', NTLM_FLAGS) + P('<BBHBBBB', 10, 0, 19041, 0, 0, 0, 15) +
            b'\0' * 16 + payload)


def smb2_sess_setup_req(msg_id, blob, sess=0):
    body = P('<HBBIIHHQ', 25, 0, 1, 1, 0, 64 + 24, len(blob), 0) + blob
    return smb2_hdr(1, msg_id, sess=sess) + body


def smb2_sess_setup_resp(msg_id, sess, status, blob):
    body = P('<HHHH', 9, 0, 64 + 8, len(blob)) + blob
    return smb2_hdr(1, msg_id, status=status, resp=True, sess=sess) + body


def smb2_tree_req(msg_id, sess, path):
    p = u16s(path)
    return smb2_hdr(3, msg_id, sess=sess) + P('<HHHH', 9, 0, 64 + 8, len(p)) + p


def smb2_tree_resp(msg_id, sess, tree, share_type):
    body = P('<HBBIII', 16, share_type, 0, 0x800 if share_type == 1 else 0x30, 0, 0x1f01ff)
    return smb2_hdr(3, msg_id, resp=True, sess=sess, tree=tree) + body


def fid(n):
    return P('<QQ', 0x1000 + n, 0x2000 + n)


def smb2_create_req(msg_id, sess, tree, name, disposition=1, options=0x40):
    n = u16s(name)
    body = P('<HBBIQQIIIII', 57, 0, 0, 2, 0, 0, 0x12019f, 0x80, 7, disposition,
             options) + P('<HHII', 64 + 56, len(n), 0, 0) + (n or b'\0')
    return smb2_hdr(5, msg_id, sess=sess, tree=tree) + body


FT = 132223104000000000          # 2020-01-01T00:00:00Z as a FILETIME


def smb2_create_resp(msg_id, sess, tree, n, size, status=0):
    if status:
        return smb2_hdr(5, msg_id, status=status, resp=True, sess=sess, tree=tree) + \
            P('<HBBIB', 9, 0, 0, 0, 0)
    body = P('<HBBI', 89, 0, 0, 1) + P('<QQQQ', FT, FT + 10**7, FT + 2 * 10**7, FT + 3 * 10**7)
    body += P('<QQII', (size + 4095) & ~4095, size, 0x20, 0) + fid(n) + P('<II', 0, 0)
    return smb2_hdr(5, msg_id, resp=True, sess=sess, tree=tree) + body


def smb2_close_req(msg_id, sess, tree, n):
    return smb2_hdr(6, msg_id, sess=sess, tree=tree) + P('<HHI', 24, 0, 0) + fid(n)


def smb2_close_resp(msg_id, sess, tree):
    return smb2_hdr(6, msg_id, resp=True, sess=sess, tree=tree) + P('<HHI', 60, 0, 0) + \
        b'\0' * 52


def smb2_read_req(msg_id, sess, tree, n, length, offset=0):
    body = P('<HBBIQ', 49, 0x50, 0, length, offset) + fid(n) + P('<IIIHHB', 1, 0, 0, 0, 0, 0)
    return smb2_hdr(8, msg_id, sess=sess, tree=tree) + body


def smb2_read_resp(msg_id, sess, tree, data):
    body = P('<HBBIII', 17, 64 + 16, 0, len(data), 0, 0) + data
    return smb2_hdr(8, msg_id, resp=True, sess=sess, tree=tree) + body


def smb2_write_req(msg_id, sess, tree, n, data, offset=0):
    body = P('<HHIQ', 49, 64 + 48, len(data), offset) + fid(n) + P('<IIHHI', 0, 0, 0, 0, 0)
    return smb2_hdr(9, msg_id, sess=sess, tree=tree) + body + data


def smb2_write_resp(msg_id, sess, tree, count):
    return smb2_hdr(9, msg_id, resp=True, sess=sess, tree=tree) + \
        P('<HHIIHH', 17, 0, count, 0, 0, 0)


def smb2_ioctl_req(msg_id, sess, tree, n, ctl, data):
    body = P('<HHI', 57, 0, ctl) + fid(n) + P('<IIIIIIII', 64 + 56, len(data), 0, 0, 0,
                                               1024, 1, 0) + data
    # fields: InputOffset, InputCount, MaxInputResponse, OutputOffset,
    # OutputCount, MaxOutputResponse, Flags, Reserved2
    return smb2_hdr(11, msg_id, sess=sess, tree=tree) + body


def smb2_ioctl_resp(msg_id, sess, tree, n, ctl, data):
    body = P('<HHI', 49, 0, ctl) + fid(n) + P('<IIIIII', 64 + 48, 0, 64 + 48, len(data), 0, 0)
    return smb2_hdr(11, msg_id, resp=True, sess=sess, tree=tree) + body + data


# ------------------------------------------------------------------ DCE/RPC
SRVSVC = bytes.fromhex('c84f324b7016d30112785a47bf6ee188')     # 4b324fc8-1670-01d3-1278-5a47bf6ee188
NDR = bytes.fromhex('045d888aeb1cc9119fe808002b104860')        # 8a885d04-1ceb-11c9-9fe8-08002b104860
EPM = bytes.fromhex('0883afe11f5dc91191a408002b14a0fa')        # e1af8308-5d1f-11c9-91a4-08002b14a0fa
LSARPC = bytes.fromhex('78573412341256781234567890abcdef')     # 12345778-1234-5678-1234-567890abcdef
BOGUS = bytes.fromhex('00112233445566778899aabbccddeeff')


def rpc_hdr(ptype, flags, call_id, body, auth=b''):
    frag_len = 16 + len(body) + len(auth)
    return P('<BBBB4sHHI', 5, 0, ptype, flags, b'\x10\0\0\0', frag_len, len(auth),
             call_id) + body + auth


def rpc_bind(call_id, ifaces):
    body = P('<HHIBBH', 4280, 4280, 0, len(ifaces), 0, 0)
    for ctx, (uuid, ver, minor) in enumerate(ifaces):
        body += P('<HBB', ctx, 1, 0) + uuid + P('<HH', ver, minor) + NDR + P('<I', 2)
    return rpc_hdr(11, 3, call_id, body)


def rpc_bind_ack(call_id, port, results):
    sec = port.encode() + b'\0'
    body = P('<HHIH', 4280, 4280, 0x12345, len(sec)) + sec
    body += b'\0' * ((4 - (len(body) % 4)) % 4)
    body += P('<BBH', len(results), 0, 0)
    for res, reason in results:
        body += P('<HH', res, reason) + (NDR + P('<I', 2) if res == 0 else b'\0' * 20)
    return rpc_hdr(12, 3, call_id, body)


def rpc_request(call_id, ctx, opnum, stub, flags=3):
    return rpc_hdr(0, flags, call_id, P('<IHH', len(stub), ctx, opnum) + stub)


def rpc_response(call_id, ctx, stub, flags=3):
    return rpc_hdr(2, flags, call_id, P('<IHBB', len(stub), ctx, 0, 0) + stub)


# ------------------------------------------------------------------ SMB1
def smb1_hdr(cmd, mid, resp=False, uid=0, tid=0, status=0):
    flags = 0x98 if resp else 0x18
    return (b'\xffSMB' + P('<BIBH', cmd, status, flags, 0x4001) + P('<H', 0) + b'\0' * 8 +
            P('<HHHHH', 0, tid, 0xfeff, uid, mid))


def smb1_negotiate_req(dialects):
    data = b''.join(b'\x02' + d.encode() + b'\0' for d in dialects)
    return smb1_hdr(0x72, 1) + P('<BH', 0, len(data)) + data


def smb1_negotiate_resp(index):
    words = P('<HBHHIIIIQhB', index, 3, 50, 1, 16644, 65536, 0, 0x8000e3fd,
              0x01d2b54a4c1d0000, 0, 0)
    data = GUID_S
    return smb1_hdr(0x72, 1, resp=True) + bytes([17]) + words + P('<H', len(data)) + data


def smb1_session_req(os_, lm):
    # extended security off: account name, domain, OS, LAN manager (ASCII)
    words = P('<BBHHHHIHHII', 0xff, 0, 0, 16644, 50, 0, 0, 0, 0, 0, 0x000000d4)
    data = b'anonymous\0' + b'WORKGROUP\0' + os_.encode() + b'\0' + lm.encode() + b'\0'
    return smb1_hdr(0x73, 2) + bytes([13]) + words + P('<H', len(data)) + data


def smb1_session_resp(uid, os_, lm, dom):
    words = P('<BBHH', 0xff, 0, 0, 0)
    data = os_.encode() + b'\0' + lm.encode() + b'\0' + dom.encode() + b'\0'
    return smb1_hdr(0x73, 2, resp=True, uid=uid) + bytes([3]) + words + \
        P('<H', len(data)) + data


def smb1_tree_req(uid, path, service):
    words = P('<BBHHH', 0xff, 0, 0, 0, 1)
    data = b'\0' + path.encode() + b'\0' + service.encode() + b'\0'
    return smb1_hdr(0x75, 3, uid=uid) + bytes([4]) + words + P('<H', len(data)) + data


def smb1_tree_resp(uid, tid, service):
    words = P('<BBHH', 0xff, 0, 0, 1)
    data = service.encode() + b'\0' + b'\0'
    return smb1_hdr(0x75, 3, resp=True, uid=uid, tid=tid) + bytes([3]) + words + \
        P('<H', len(data)) + data


def smb1_hdr_t(cmd, mid, uid, tid, resp=False):
    return smb1_hdr(cmd, mid, resp=resp, uid=uid, tid=tid)


def smb1_ntcreate_req(mid, uid, tid, name, disposition=1):
    nm = name.encode() + b'\0'
    words = P('<BBHBHIIIQIIIIIB', 0xff, 0, 0, 0, len(nm) - 1, 0x16, 0, 0x0002019f, 0, 0x80, 7,
              disposition, 0x40, 2, 0)
    return smb1_hdr_t(0xa2, mid, uid, tid) + bytes([24]) + words + P('<H', len(nm)) + nm


def smb1_ntcreate_resp(mid, uid, tid, fid, size, disposition=1):
    t0 = 0x01d2b54a4c1d0000
    words = P('<BBHBHIQQQQIQQHHB', 0xff, 0, 0, 0, fid, disposition, t0, t0, t0, t0, 0x80,
              4096, size, 0, 0, 0)
    return smb1_hdr_t(0xa2, mid, uid, tid, resp=True) + bytes([34]) + words + P('<H', 0)


def smb1_read_req(mid, uid, tid, fid, offset, count):
    words = P('<BBHHIHHIHI', 0xff, 0, 0, fid, offset, count, count, 0, 0, 0)
    return smb1_hdr_t(0x2e, mid, uid, tid) + bytes([12]) + words + P('<H', 0)


def smb1_read_resp(mid, uid, tid, data):
    off = 32 + 1 + 24 + 2 + 1               # header, wct, words, bcc, one pad byte
    words = P('<BBHHHHHH', 0xff, 0, 0, 0xffff, 0, 0, len(data), off) + b'\0' * 10
    return smb1_hdr_t(0x2e, mid, uid, tid, resp=True) + bytes([12]) + words + \
        P('<H', len(data) + 1) + b'\0' + data


def smb1_write_req(mid, uid, tid, fid, offset, data):
    off = 32 + 1 + 28 + 2 + 1
    words = P('<BBHHIIHHHHHI', 0xff, 0, 0, fid, offset, 0, 0, 0, 0, len(data), off, 0)
    return smb1_hdr_t(0x2f, mid, uid, tid) + bytes([14]) + words + \
        P('<H', len(data) + 1) + b'\0' + data


def smb1_write_resp(mid, uid, tid, count):
    words = P('<BBHHHI', 0xff, 0, 0, count, 0xffff, 0)
    return smb1_hdr_t(0x2f, mid, uid, tid, resp=True) + bytes([6]) + words + P('<H', 0)


def smb1_close_req(mid, uid, tid, fid):
    return smb1_hdr_t(0x04, mid, uid, tid) + bytes([3]) + P('<HI', fid, 0xffffffff) + P('<H', 0)


def smb1_close_resp(mid, uid, tid):
    return smb1_hdr_t(0x04, mid, uid, tid, resp=True) + bytes([0]) + P('<H', 0)


def text(n, seed):
    out, i = b'', 0
    while len(out) < n:
        out += ('%s line %d: SMB1 file bytes for the hashes\n' % (seed, i)).encode()
        i += 1
    return out[:n]


# ------------------------------------------------------------------ captures
def f_smb2():
    S, T1, T2 = 0x0000100000000041, 5, 9
    ex = []

    def rr(req, resp):
        ex.append((0, nbss(req)))
        ex.append((1, nbss(resp)))

    rr(smb2_negotiate_req([0x0202, 0x0210, 0x0300, 0x0302]),
       smb2_negotiate_resp(0x0302, spnego_init(b'')))
    rr(smb2_sess_setup_req(1, spnego_init(ntlm_negotiate())),
       smb2_sess_setup_resp(1, S, 0xc0000016, spnego_resp(ntlm_challenge(), 1)))
    rr(smb2_sess_setup_req(2, spnego_resp(ntlm_authenticate('CORP', 'alice', 'WS-042')), S),
       smb2_sess_setup_resp(2, S, 0, spnego_resp(b'', 0)))
    rr(smb2_tree_req(3, S, '\\\\10.30.0.5\\data'), smb2_tree_resp(3, S, T1, 1))
    content = b'quarterly report\n' * 40
    rr(smb2_create_req(4, S, T1, 'reports\\q3.txt'),
       smb2_create_resp(4, S, T1, 1, len(content)))
    rr(smb2_read_req(5, S, T1, 1, len(content)), smb2_read_resp(5, S, T1, content))
    rr(smb2_close_req(6, S, T1, 1), smb2_close_resp(6, S, T1))
    rr(smb2_create_req(7, S, T1, 'reports', options=0x1),
       smb2_create_resp(7, S, T1, 2, 0))
    rr(smb2_close_req(8, S, T1, 2), smb2_close_resp(8, S, T1))
    rr(smb2_create_req(9, S, T1, 'missing.doc'),
       smb2_create_resp(9, S, T1, 0, 0, status=0xc0000034))
    rr(smb2_tree_req(10, S, '\\\\10.30.0.5\\IPC$'), smb2_tree_resp(10, S, T2, 2))
    rr(smb2_create_req(11, S, T2, 'srvsvc', options=0x400040),
       smb2_create_resp(11, S, T2, 3, 0))
    bind = rpc_bind(2, [(SRVSVC, 3, 0)])
    rr(smb2_write_req(12, S, T2, 3, bind), smb2_write_resp(12, S, T2, len(bind)))
    rr(smb2_read_req(13, S, T2, 3, 1024),
       smb2_read_resp(13, S, T2, rpc_bind_ack(2, '\\PIPE\\srvsvc', [(0, 0)])))
    req = rpc_request(3, 0, 15, b'\0\0\x02\0' + b'\x41\0' * 12)
    resp = rpc_response(3, 0, b'\x01\0\0\0' * 6)
    rr(smb2_ioctl_req(14, S, T2, 3, 0x0011c017, req),
       smb2_ioctl_resp(14, S, T2, 3, 0x0011c017, resp))
    rr(smb2_close_req(15, S, T2, 3), smb2_close_resp(15, S, T2))
    sess = g.tcp_session(CLI, SRV, 50111, 445, ex)
    return g.frames(g.sched(sess, g.T(0), 2 * g.MS), g.link_eth)


def f_smb1():
    ex = [(0, nbss(nb_name('FILESRV') + nb_name('WS-017'), 0x81)),
          (1, nbss(b'', 0x82))]
    ex.append((0, nbss(smb1_negotiate_req(['PC NETWORK PROGRAM 1.0', 'LANMAN1.0',
                                           'NT LM 0.12']))))
    ex.append((1, nbss(smb1_negotiate_resp(2))))
    ex.append((0, nbss(smb1_session_req('Unix', 'Samba'))))
    ex.append((1, nbss(smb1_session_resp(2048, 'Windows Server 2003 3790',
                                         'Windows Server 2003 5.2', 'CORP'))))
    ex.append((0, nbss(smb1_tree_req(2048, '\\\\FILESRV\\IPC$', '?????'))))
    ex.append((1, nbss(smb1_tree_resp(2048, 2049, 'IPC'))))
    sess = g.tcp_session(CLI, SRV, 50222, 139, ex)
    return g.frames(g.sched(sess, g.T(0), 2 * g.MS), g.link_eth)


def f_smb1_files():
    """SMB1 (NT LM 0.12) file work on a disk share: a file read in two
    READ_ANDX chunks and closed, a file written in two WRITE_ANDX chunks
    and closed, a third file opened and read once, the flow ending with it
    open (TRUNCATED)."""
    U, T = 2048, 2051
    rep, upl, log = text(1600, 'report'), text(1100, 'upload'), text(700, 'log')
    ex = [(0, nbss(smb1_negotiate_req(['NT LM 0.12']))), (1, nbss(smb1_negotiate_resp(0))),
          (0, nbss(smb1_session_req('Unix', 'Samba'))),
          (1, nbss(smb1_session_resp(U, 'Windows Server 2003 3790', 'Windows Server 2003 5.2',
                                     'CORP'))),
          (0, nbss(smb1_tree_req(U, '\\\\FILESRV\\DOCS', 'A:'))),
          (1, nbss(smb1_tree_resp(U, T, 'A:')))]

    def rr(req, resp):
        ex.append((0, nbss(req)))
        ex.append((1, nbss(resp)))
    rr(smb1_ntcreate_req(10, U, T, '\\report.txt'), smb1_ntcreate_resp(10, U, T, 0x4001, 1600))
    rr(smb1_read_req(11, U, T, 0x4001, 0, 1000), smb1_read_resp(11, U, T, rep[:1000]))
    rr(smb1_read_req(12, U, T, 0x4001, 1000, 1000), smb1_read_resp(12, U, T, rep[1000:]))
    rr(smb1_close_req(13, U, T, 0x4001), smb1_close_resp(13, U, T))
    rr(smb1_ntcreate_req(14, U, T, '\\upload.dat', 5), smb1_ntcreate_resp(14, U, T, 0x4002, 0, 2))
    rr(smb1_write_req(15, U, T, 0x4002, 0, upl[:800]), smb1_write_resp(15, U, T, 800))
    rr(smb1_write_req(16, U, T, 0x4002, 800, upl[800:]), smb1_write_resp(16, U, T, 300))
    rr(smb1_close_req(17, U, T, 0x4002), smb1_close_resp(17, U, T))
    rr(smb1_ntcreate_req(18, U, T, '\\logs\\app.log'), smb1_ntcreate_resp(18, U, T, 0x4003, 700))
    rr(smb1_read_req(19, U, T, 0x4003, 0, 700), smb1_read_resp(19, U, T, log))
    sess = g.tcp_session(CLI, SRV, 50444, 445, ex)
    return g.frames(g.sched(sess, g.T(2), 2 * g.MS), g.link_eth)


def f_dcerpc():
    ex = [(0, rpc_bind(1, [(EPM, 3, 0)])),
          (1, rpc_bind_ack(1, '135', [(0, 0)])),
          (0, rpc_request(2, 0, 3, b'\0' * 20 + SRVSVC + b'\0' * 40)),
          (1, rpc_response(2, 0, b'\0' * 8 + b'\x01\0\0\0' + b'\0' * 20))]
    s1 = g.tcp_session(CLI, SRV, 50333, 135, ex)
    stub = bytes(range(256)) * 2
    ex2 = [(0, rpc_bind(7, [(LSARPC, 0, 0), (BOGUS, 1, 2)])),
           (1, rpc_bind_ack(7, '49667', [(0, 0), (2, 1)])),
           (0, rpc_request(8, 0, 44, stub[:300], flags=1) +
            rpc_request(8, 0, 44, stub[300:], flags=2)),
           (1, rpc_response(8, 0, b'\x07' * 40))]
    s2 = g.tcp_session(CLI, SRV, 50334, 49667, ex2)
    return g.srt(g.frames(g.sched(s1, g.T(0), 2 * g.MS), g.link_eth) +
                 g.frames(g.sched(s2, g.T(1), 2 * g.MS), g.link_eth))


def build(outdir):
    g.write_pcaps(outdir, [('app-smb2.pcap', f_smb2), ('app-smb1.pcap', f_smb1),
                            ('app-dcerpc.pcap', f_dcerpc), ('app-smb1-files.pcap', f_smb1_files)])


if __name__ == '__main__':
    build(g.out_dir(sys.argv))
