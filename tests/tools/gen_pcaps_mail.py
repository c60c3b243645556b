"""gen_pcaps_mail.py - the SMTP and FTP captures of gen_pcaps.py (its
helpers, the same determinism: fixed times, ports and sequence numbers).

mail-smtp.pcap
  1. ESMTP with PIPELINING: EHLO, then MAIL/RCPT/RCPT/DATA in one segment,
     a message whose multipart/mixed holds a multipart/alternative (a
     quoted-printable text/plain with soft breaks, =XX escapes and a URL,
     a text/html with another URL), a base64 attachment whose lines have
     uneven lengths (broken lines), a quoted-printable attachment, and a
     dot-stuffed line; QUIT.
  2. CHUNKING: the message in two BDAT chunks (the second LAST), with a
     base64 attachment, From/To/Cc; QUIT.
  3. STARTTLS: EHLO, STARTTLS, 220, then a TLS ClientHello.
  4. A server without PIPELINING: HELO, DATA waits for 354; RSET; a second
     transaction; QUIT.
mail-ftp.pcap
  1. passive: greeting, USER/PASS, EPSV then RETR (a download), PASV then
     STOR (an upload), a multi-line FEAT reply, QUIT.
  2. active: PORT then RETR, the server connecting from port 20.
  3. a RETR whose data connection misses one segment (a gap).
"""
import base64
import sys

# The generator's own module (run as a script it is __main__), so its IP id
# counter, reset before each file, is the one these captures use.
g = sys.modules['__main__'] if hasattr(sys.modules['__main__'], 'tcp_session') else \
    __import__('gen_pcaps')

MS = g.MS
CLI, MX = '192.168.7.10', '198.51.100.25'
FTPC, FTPS = '192.168.7.20', '198.51.100.21'


def crlf(text):
    return text.replace('\n', '\r\n').encode()


def b64_broken(data):
    """base64 with lines of uneven lengths (a multiple of 4 or not)."""
    s = base64.b64encode(data).decode()
    out, i, widths = [], 0, [60, 13, 76, 7, 44]
    k = 0
    while i < len(s):
        w = widths[k % len(widths)]
        out.append(s[i:i + w])
        i += w
        k += 1
    return '\n'.join(out)


ATT1 = bytes(range(256)) * 3 + b'end of the binary attachment\n'
ATT2 = b'the second attachment, its body in two BDAT chunks\n' * 20

MSG1 = crlf('''From: "Alice" <alice@example.org>
To: bob@example.net, carol@example.net
Cc: dave@example.net
Subject: quarterly report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer-b"

This is a multi-part message in MIME format.
--outer-b
Content-Type: multipart/alternative;
 boundary=inner-b

--inner-b
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

See the report at http://Reports.Example.ORG/q3.html and caf=C3=A9 ne=
ws, soft break above.
..a line that starts with a dot
--inner-b
Content-Type: text/html; charset=utf-8

<html><a href="http://www.example.com/page">here</a></html>
--inner-b--
--outer-b
Content-Type: application/octet-stream; name="data.bin"
Content-Disposition: attachment; filename="report.bin"
Content-Transfer-Encoding: base64

''' + b64_broken(ATT1) + '''
--outer-b
Content-Type: text/plain; name=notes.txt
Content-Transfer-Encoding: quoted-printable

line one=0D=0Aline two with =3D sign
--outer-b--
epilogue
''')

MSG2 = crlf('''From: erin@example.org
To: frank@example.net
Cc: grace@example.net, heidi@example.net
Subject: chunks
Content-Type: multipart/mixed; boundary=XyZ

--XyZ
Content-Type: text/plain

body text, no URL here
--XyZ
Content-Type: application/pdf
Content-Disposition: attachment; filename=chunked.pdf
Content-Transfer-Encoding: base64

''' + b64_broken(ATT2) + '''
--XyZ--
''')

MSG4 = crlf('''From: ivan@example.org
To: judy@example.net
Subject: plain

Hello Judy, see http://intranet.example.net/x?a=1 today.
''')


def smtp_pipelined():
    return g.tcp_session(CLI, MX, 50101, 25, [
        (1, b'220 mx.example.net ESMTP\r\n'),
        (0, b'EHLO client.example.org\r\n'),
        (1, b'250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n'),
        (0, b'MAIL FROM:<alice@example.org> SIZE=4000\r\nRCPT TO:<bob@example.net>\r\n'
            b'RCPT TO:<carol@example.net>\r\nDATA\r\n'),
        (1, b'250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n'),
        (0, MSG1 + b'.\r\n'),
        (1, b'250 2.0.0 Ok: queued as 4AB12\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'221 2.0.0 Bye\r\n')])


def smtp_bdat():
    half = len(MSG2) // 2
    c1, c2 = MSG2[:half], MSG2[half:]
    return g.tcp_session(CLI, MX, 50102, 25, [
        (1, b'220 mx.example.net ESMTP\r\n'),
        (0, b'EHLO client2.example.org\r\n'),
        (1, b'250-mx.example.net\r\n250-CHUNKING\r\n250 PIPELINING\r\n'),
        (0, b'MAIL FROM:<erin@example.org>\r\n'),
        (1, b'250 Ok\r\n'),
        (0, b'RCPT TO:<frank@example.net>\r\n'),
        (1, b'250 Ok\r\n'),
        (0, b'BDAT %d\r\n' % len(c1) + c1),
        (1, b'250 Ok chunk\r\n'),
        (0, b'BDAT %d LAST\r\n' % len(c2) + c2),
        (1, b'250 Ok message\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'221 Bye\r\n')])


def smtp_starttls():
    return g.tcp_session(CLI, MX, 50103, 25, [
        (1, b'220 mx.example.net ESMTP\r\n'),
        (0, b'EHLO tls.example.org\r\n'),
        (1, b'250-mx.example.net\r\n250 STARTTLS\r\n'),
        (0, b'STARTTLS\r\n'),
        (1, b'220 2.0.0 Ready to start TLS\r\n'),
        (0, g.tls_client_hello('mx.example.net'))])


def smtp_plain():
    return g.tcp_session(CLI, MX, 50104, 25, [
        (1, b'220 old.example.net SMTP\r\n'),
        (0, b'HELO legacy.example.org\r\n'),
        (1, b'250 old.example.net\r\n'),
        (0, b'MAIL FROM:<ivan@example.org>\r\n'),
        (1, b'250 ok\r\n'),
        (0, b'RCPT TO:<judy@example.net>\r\n'),
        (1, b'250 ok\r\n'),
        (0, b'DATA\r\n'),
        (1, b'354 go ahead\r\n'),
        (0, MSG4 + b'.\r\n'),
        (1, b'250 ok queued\r\n'),
        (0, b'RSET\r\n'),
        (1, b'250 ok\r\n'),
        (0, b'MAIL FROM:<ivan@example.org>\r\n'),
        (1, b'250 ok\r\n'),
        (0, b'RCPT TO:<nobody@example.net>\r\n'),
        (1, b'550 no such user\r\n'),
        (0, b'QUIT\r\n'),
        (1, b'221 bye\r\n')])


def f_mail_smtp():
    it = g.sched(smtp_pipelined(), g.T(0), 10 * MS)
    it += g.sched(smtp_bdat(), g.T(2), 10 * MS)
    it += g.sched(smtp_starttls(), g.T(4), 10 * MS)
    it += g.sched(smtp_plain(), g.T(6), 10 * MS)
    return g.srt(g.frames(it, g.link_eth))


DL = bytes((i * 7 + 3) & 0xff for i in range(6000))      # the download
UL = b'uploaded text line\n' * 150                        # the upload
CUT = bytes((i * 13) & 0xff for i in range(8000))         # cut by a gap


def ctrl_times(exchanges, t0, gap):
    """Time of each exchange's first packet in a tcp_session scheduled at
    t0 with `gap` between packets (3 handshake packets, then each
    exchange's segments and its ACK)."""
    out, i = [], 3
    for _, data in exchanges:
        out.append(t0 + i * gap)
        i += (len(data) + 1447) // 1448 + 1
    return out


def data_after(exchanges, t0, gap, idx, sess):
    """The data session scheduled just after exchange idx (the 150 reply)."""
    t = ctrl_times(exchanges, t0, gap)[idx] + gap // 2 + gap
    return g.sched(sess, t, gap // 40)


def f_mail_ftp():
    gap = 40 * MS
    t0 = g.T(0)
    ex = [
        (1, b'220 (vsFTPd 3.0.3)\r\n'),
        (0, b'USER anonymous\r\n'), (1, b'331 Please specify the password.\r\n'),
        (0, b'PASS guest@\r\n'), (1, b'230 Login successful.\r\n'),
        (0, b'FEAT\r\n'),
        (1, b'211-Features:\r\n EPRT\r\n EPSV\r\n PASV\r\n211 End\r\n'),
        (0, b'TYPE I\r\n'), (1, b'200 Switching to Binary mode.\r\n'),
        (0, b'EPSV\r\n'), (1, b'229 Entering Extended Passive Mode (|||40001|)\r\n'),
        (0, b'RETR pub/file.bin\r\n'),
        (1, b'150 Opening BINARY mode data connection for pub/file.bin (6000 bytes).\r\n'),
        (1, b'226 Transfer complete.\r\n'),
        (0, b'PASV\r\n'), (1, b'227 Entering Passive Mode (198,51,100,21,156,66).\r\n'),
        (0, b'STOR upload.txt\r\n'), (1, b'150 Ok to send data.\r\n'),
        (1, b'226 Transfer complete.\r\n'),
        (0, b'QUIT\r\n'), (1, b'221 Goodbye.\r\n')]
    it = g.sched(g.tcp_session(FTPC, FTPS, 50201, 21, ex), t0, gap)
    it += data_after(ex, t0, gap, 12, g.tcp_session(FTPC, FTPS, 50202, 40001, [(1, DL)]))
    it += data_after(ex, t0, gap, 17, g.tcp_session(FTPC, FTPS, 50203, 40002, [(0, UL)]))

    t1 = g.T(3)
    ex2 = [
        (1, b'220 Service ready\r\n'),
        (0, b'USER ftp\r\n'), (1, b'331 Password required.\r\n'),
        (0, b'PASS ftp@\r\n'), (1, b'230 Logged in.\r\n'),
        (0, b'PORT 192,168,7,20,195,81\r\n'), (1, b'200 PORT command successful.\r\n'),
        (0, b'RETR active.dat\r\n'), (1, b'150 Opening data connection.\r\n'),
        (1, b'226 Transfer complete.\r\n'),
        (0, b'QUIT\r\n'), (1, b'221 Bye.\r\n')]
    it += g.sched(g.tcp_session(FTPC, FTPS, 50204, 21, ex2), t1, gap)
    it += data_after(ex2, t1, gap, 8, g.tcp_session(FTPS, FTPC, 20, 50001, [(0, DL[:3000])]))

    t2 = g.T(6)
    ex3 = [
        (1, b'220 Service ready\r\n'),
        (0, b'USER ftp\r\n'), (1, b'331 Password required.\r\n'),
        (0, b'PASS ftp@\r\n'), (1, b'230 Logged in.\r\n'),
        (0, b'EPSV\r\n'), (1, b'229 Entering Extended Passive Mode (|||40003|)\r\n'),
        (0, b'RETR cut.bin\r\n'), (1, b'150 Opening BINARY mode data connection.\r\n'),
        (1, b'226 Transfer complete.\r\n'),
        (0, b'QUIT\r\n'), (1, b'221 Bye.\r\n')]
    it += g.sched(g.tcp_session(FTPC, FTPS, 50205, 21, ex3), t2, gap)
    cut = g.tcp_session(FTPC, FTPS, 50206, 40003, [(1, CUT)])
    del cut[5]          # the second data segment (handshake 3, segment, ACK, segment...)
    it += data_after(ex3, t2, gap, 8, cut)
    return g.srt(g.frames(it, g.link_eth))


def add_all(add):
    add('mail-smtp.pcap', f_mail_smtp)
    add('mail-ftp.pcap', f_mail_ftp)
