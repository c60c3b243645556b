#!/usr/bin/env python3
"""suricata_shipped.py OUT.yaml [RULE_FILE...] - Suricata's shipped
configuration (/etc/suricata/suricata.yaml, Debian's suricata 7.0.10) with
only what a comparison must change: the EVE log writes alerts only (its
`types:` list becomes `[alert]`), and the rule files are the given ones
(absolute paths; `default-rule-path: /`). Everything else - midstream and
async-oneside off, 100 KiB body limits, 1 MiB reassembly depth, its own
classification and reference files - stays as Debian ships it: the reference
a user who picks Suricata runs (issue 19). Environment: SHIPPED (default
/etc/suricata/suricata.yaml), CLASSIFICATION (a classification.config to use
instead of the shipped one's). Owned by tests/tools/; writes only OUT."""
import os
import re
import sys


def indent(line):
    return len(line) - len(line.lstrip(' '))


def replace_block(lines, start, body):
    """lines[start] is `key:`; drop the lines nested under it, put body."""
    base = indent(lines[start])
    end = start + 1
    while end < len(lines):
        s = lines[end].strip()
        if s and not s.startswith('#') and indent(lines[end]) <= base:
            break
        end += 1
    return lines[:start + 1] + body + lines[end:]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = os.environ.get('SHIPPED', '/etc/suricata/suricata.yaml')
    lines = open(src).read().split('\n')
    # the eve-log output's event types
    eve = next(i for i, l in enumerate(lines) if re.match(r'^\s*- eve-log:\s*$', l))
    types = next(i for i in range(eve + 1, len(lines)) if re.match(r'^\s*types:\s*$', lines[i]))
    pad = ' ' * (indent(lines[types]) + 2)
    lines = replace_block(lines, types, [pad + '- alert'])
    rules = [os.path.abspath(r) for r in sys.argv[2:]]
    i = next(i for i, l in enumerate(lines) if re.match(r'^rule-files:\s*$', l))
    lines = replace_block(lines, i, ['  - "%s"' % r for r in rules])
    lines = [re.sub(r'^default-rule-path:.*$', 'default-rule-path: /', l) for l in lines]
    if os.environ.get('CLASSIFICATION'):
        lines = [re.sub(r'^classification-file:.*$', 'classification-file: "%s"' %
                        os.path.abspath(os.environ['CLASSIFICATION']), l) for l in lines]
    open(sys.argv[1], 'w').write('\n'.join(lines))


if __name__ == '__main__':
    main()
