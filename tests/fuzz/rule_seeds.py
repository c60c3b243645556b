#!/usr/bin/env python3
"""rule_seeds.py - writes the seed corpus of fuzz_rules (tests/fuzz/corpus/rules/seed-*).

    python3 tests/fuzz/rule_seeds.py [OUT_DIR]     (default tests/fuzz/corpus/rules)

Hand-written rules in the style of ET Open (sticky buffers, flowbits,
byte_*, pcre, variables, negations, continuation lines) and broken ones
(every error path of the parser). Nothing is copied from a rule set.
Two runs write the same bytes; other files in the directory are left alone.
"""
import os
import sys

H = 'alert http $HOME_NET any -> $EXTERNAL_NET any'
T = 'alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS'
M = 'classtype:trojan-activity; metadata:created_at 2024_01_01, deployment Perimeter;'

RULES = [
    f'{H} (msg:"TAISHI test checkin"; flow:established,to_server; http.method; content:"POST"; http.uri; content:"/gate.php"; startswith; fast_pattern; http.user_agent; content:"Mozilla"; nocase; {M} sid:9000001; rev:2;)',
    f'{H} (msg:"uri bsize"; flow:established,to_server; http.uri; content:"/a/b"; bsize:4; http.host; dotprefix; content:".evil.test"; endswith; sid:9000002; rev:1;)',
    f'alert dns $HOME_NET any -> any any (msg:"dns"; dns.query; dotprefix; content:".bad.example"; nocase; endswith; reference:url,example.org/x; sid:9000003; rev:1;)',
    f'alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"sni"; flow:established,to_server; tls.sni; content:"x.example"; bsize:9; tls.version:1.2; sid:9000004;)',
    f'{T} (msg:"legacy"; flow:to_server,established; content:"GET"; http_method; content:"/x?id="; http_uri; content:"|0d 0a|Host|3a|"; http_raw_header; pcre:"/id=\\d+/U"; sid:9000005;)',
    f'{T} (msg:"bytes"; content:"|00 01|"; depth:2; byte_extract:2,0,len,relative,little; byte_test:4,>,len,0,relative; byte_jump:2,0,relative,multiplier 2,post_offset -1; isdataat:!10,relative; content:"Z"; distance:len; within:4; sid:9000006;)',
    f'alert udp any any -> any 53 (msg:"dsize"; dsize:<100; content:"|01 00 00 01|"; offset:2; depth:4; threshold:type limit, track by_src, count 1, seconds 60; sid:9000007;)',
    f'alert icmp any any -> any any (msg:"icmp"; itype:8; icode:0; ttl:<5; sid:9000008;)',
    f'alert ip [10.0.0.0/8,!10.1.0.0/16] any -> [!$HOME_NET,192.0.2.1-192.0.2.9] any (msg:"addrs"; ip_proto:!6; sid:9000009;)',
    f'alert tcp any [1024:,!8080] -> any [:1023,$HTTP_PORTS] (msg:"ports"; flags:S,12; flow:stateless; sid:9000010;)',
    f'alert tcp any any <> any any (msg:"bidir"; flowbits:isset,a|b; flowbits:set,c; flowbits:noalert; flowint:cnt,+,1; sid:9000011;)',
    f'alert tcp any any -> any any (msg:"and"; flowbits:isset,a&b; flowint:cnt,>,5; detection_filter:track by_dst, count 5, seconds 10; sid:9000012;)',
    f'{H} (msg:"escapes \\; \\" \\\\"; content:"a\\;b\\"c\\\\d"; content:!"x|3a|y"; distance:0; sid:9000013;)',
    f'{H} (msg:"xor"; http.request_body; xor:"0d0a"; content:"abc"; sid:9000014;)',
    'alert http any any -> any any (msg:"multi \\\n line"; \\\n content:"x"; sid:9000015;)',
    f'{H} (msg:"file data"; flow:established,to_client; file.data; content:"MZ"; within:2; pkt_data; content:"x"; rawbytes; sid:9000016;)',
    f'{H} (msg:"urilen"; urilen:10<>20,raw; uricontent:"/x"; sid:9000017;)',
    f'alert ssh any any -> any 22 (msg:"ssh"; ssh.proto; content:"2.0"; ssh_software; content:"OpenSSH"; sid:9000018;)',
    f'alert tls any any -> any any (msg:"ja3"; ja3.hash; content:"0123456789abcdef0123456789abcdef"; ja3s.hash; content:"x"; sid:9000019;)',
    f'alert tcp any any -> any any (msg:"fp"; content:"abcdef"; fast_pattern:1,3; nocase; sid:9000020;)',
    f'alert tcp any any -> any any (msg:"app"; app-layer-protocol:!http; target:dest_ip; priority:2; sid:9000021; gid:3;)',
    # broken: every kind of error
    f'alert tcp any any -> any any (msg:"no sid";)',
    f'alert tcp any any -> any any (content:""; sid:9100001;)',
    f'alert tcp any any -> any any (content:"|4|"; sid:9100002;)',
    f'alert tcp any any -> any any (content:"|41"; sid:9100003;)',
    f'alert tcp any any -> any any (nocase; content:"x"; sid:9100004;)',
    f'alert tcp any any -> any any (content:"abcd"; depth:2; sid:9100005;)',
    f'alert tcp any any -> any any (pcre:"/(/"; sid:9100006;)',
    f'alert tcp any any -> any any (pcre:"/a/Z9"; sid:9100007;)',
    f'alert tcp $NOPE any -> any any (sid:9100008;)',
    f'alert tcp !any any -> any any (sid:9100009;)',
    f'alert tcp any 70000 -> any any (sid:9100010;)',
    f'alert foo any any -> any any (sid:9100011;)',
    f'bogus tcp any any -> any any (sid:9100012;)',
    f'alert tcp any any <- any any (sid:9100013;)',
    f'alert tcp any any -> any any (flow:to_server,to_client; sid:9100014;)',
    f'alert tcp any any -> any any (xbits:set,x,track ip_src; sid:9100015;)',
    f'alert tcp any any -> any any (sid:9100016; sid:9100016;)',
    f'alert tcp any any -> any any (msg:"dup"; sid:9100017;)\nalert tcp any any -> any any (msg:"dup"; sid:9100017;)',
    f'alert tcp any any -> any any (content:"x"; d\x01pth:1; sid:9100018;)',
    f'alert tcp any any -> any any (content:"x"; sid:9100019;',
    f'alert http any any -> any any (flow:to_server; http.stat_code; content:"200"; sid:9100020;)',
    f'alert tcp any any -> any any (byte_test:9,=,1,0; sid:9100021;)',
    f'alert tcp any any -> any any (content:"x"; distance:1; offset:2; sid:9100022;)',
    f'# alert tcp any any -> any any (msg:"disabled"; sid:9100023;)\n\n# comment',
    '\x00\xff\xfe garbage \x01\x02\nalert\n(\n)\n;;;\n',
    f'alert http any any -> any any (http.uri; http.host; content:"x"; sid:9100024;)',
    '# comment \\\nalert tcp any any -> any any (sid:9100025;)',
    f'alert http any any -> any any (http.header; to_lowercase; uricontent:"/a"; pcre:"/b/U"; urilen:<5; content:"c"; sid:9100026;)',
    f'alert http any any -> any any (http.header; xor:"01"; xor:"02"; content:"x"; sid:9100027;)',
    f'alert tcp any any -> any any (content:"a"; pcre:"/x/Q"; file.data; pcre:"/y/Q"; sid:9100028;)',
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             "corpus", "rules")
    os.makedirs(out, exist_ok=True)
    for i, r in enumerate(RULES):
        with open(os.path.join(out, "seed-%03d" % i), "wb") as f:
            f.write((r + "\n").encode("latin-1"))
    # one seed with everything, as a rule file would hold it
    with open(os.path.join(out, "seed-all"), "wb") as f:
        f.write(("\n".join(RULES) + "\n").encode("latin-1"))


if __name__ == "__main__":
    main()
