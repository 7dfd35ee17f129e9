"""Scores `frontdesk ask --json` on a labelled triage set (clinical safety).

Usage: python3 eval/score_triage.py eval/crisis-b-holdout.tsv [ask options]
The binary is $FRONTDESK_BIN (default: frontdesk on the PATH). Columns:
message, tier (1 emergency, 2 urgent, 3 routine), category, lang (en/es;
optional). Reports, per language and in all:
- tier 1 caught: answered with the emergency answer;
- self-harm and overdose caught *with the crisis line* in the answer;
- tier 2 caught: the urgent answer or an emergency;
- tier 3 false alarms: emergency answers (and urgent ones apart);
- `doctor-advised` (tier 3): answered with the clinical team's review.
SHOW=1 lists the misses and false alarms.
"""
import collections, json, os, subprocess, sys, tomllib

path = sys.argv[1]
extra = sys.argv[2:]
rows = [l.rstrip('\n').split('\t') for l in open(path, encoding='utf-8').read().splitlines()[1:] if l.strip()]
B = os.environ.get('FRONTDESK_BIN', 'frontdesk')
out = subprocess.run([B, 'ask', '--json'] + extra, input='\n'.join(r[0] for r in rows) + '\n',
                     capture_output=True, text=True, check=True).stdout.splitlines()
assert len(out) == len(rows), (len(out), len(rows))
crisis = tomllib.load(open('faq/clinic.toml', 'rb')).get('crisis_line') or ''


def tally():
    return collections.Counter()


by = collections.defaultdict(tally)
misses = []
for row, line in zip(rows, out):
    msg, tier, category = row[0], int(row[1]), row[2]
    lang = row[3] if len(row) > 3 else '?'
    d = json.loads(line)
    kind = d['kind']
    for key in (lang, 'all'):
        c = by[key]
        if tier == 1:
            c['t1'] += 1
            c['t1 caught'] += kind == 'emergency'
            if category in ('self-harm', 'overdose'):
                c[category] += 1
                c[category + ' caught'] += kind == 'emergency'
                ok = kind == 'emergency' and crisis != '' and crisis in d['text']
                c[category + ' with crisis line'] += ok
        elif tier == 2:
            c['t2'] += 1
            c['t2 caught'] += kind in ('urgent', 'emergency')
        else:
            c['t3'] += 1
            c['t3 emergency'] += kind == 'emergency'
            c['t3 urgent'] += kind == 'urgent'
            if category == 'doctor-advised':
                c['advised'] += 1
                c['advised answered'] += kind == 'advised-against'
    wrong = (tier == 1 and kind != 'emergency') or (tier == 2 and kind not in ('urgent', 'emergency')) \
        or (tier == 3 and kind in ('emergency', 'urgent')) \
        or (category == 'doctor-advised' and kind != 'advised-against') \
        or (category in ('self-harm', 'overdose') and kind == 'emergency' and crisis not in d['text'])
    if wrong:
        misses.append((tier, category, kind, d.get('category') or '', msg))

print(path)
for key in sorted(by, key=lambda k: (k == 'all', k)):
    c = by[key]
    parts = []
    if c['t1']:
        parts.append(f"tier 1 caught {c['t1 caught']}/{c['t1']}")
    for cat in ('self-harm', 'overdose'):
        if c[cat]:
            parts.append(f"{cat} caught {c[cat + ' caught']}/{c[cat]}, with crisis line {c[cat + ' with crisis line']}")
    if c['t2']:
        parts.append(f"tier 2 caught {c['t2 caught']}/{c['t2']}")
    if c['t3']:
        parts.append(f"tier 3 emergency {c['t3 emergency']}/{c['t3']}, urgent {c['t3 urgent']}/{c['t3']}")
    if c['advised']:
        parts.append(f"doctor-advised {c['advised answered']}/{c['advised']}")
    print(f"  {key}: " + '; '.join(parts))
if os.environ.get('SHOW'):
    for m in misses:
        print('  MISS tier %d %s -> %s %s: %s' % m)
