"""Scores `frontdesk ask --json` on a labelled set of conversation basics.

Usage: python3 eval/score_basics.py eval/basics-holdout.tsv [ask options]
The binary is $FRONTDESK_BIN (default: frontdesk on the PATH). Labels:
thanks, greeting, goodbye, ack (the small-talk reply of that kind), human
(the hand-off), medicine (the medicines policy), urgent, other (anything
else: an answer, a question back, a fallback). SHOW=1 lists the misses.
"""
import collections, json, os, subprocess, sys, tomllib
path = sys.argv[1]; extra = sys.argv[2:]
rows = [l.rstrip('\n').split('\t') for l in open(path, encoding='utf-8').read().splitlines()[1:] if l.strip()]
msgs = [r[0] for r in rows]
B = os.environ.get('FRONTDESK_BIN', 'frontdesk')
out = subprocess.run([B, 'ask', '--json'] + extra, input='\n'.join(msgs) + '\n', capture_output=True, text=True).stdout.splitlines()
m = tomllib.load(open('faq/messages.toml', 'rb'))
texts = {}
for loc in m.values():
    if isinstance(loc, dict):
        for k in ('smalltalk_greeting', 'smalltalk_thanks', 'smalltalk_goodbye', 'smalltalk_ack', 'fallback_medicine', 'welcome'):
            if k in loc: texts[loc[k].strip()[:40]] = k
def got(d):
    k = d['kind']
    t = d['text'].strip()[:40]
    name = texts.get(t)
    if k == 'smalltalk' or name == 'welcome':
        return {'smalltalk_greeting': 'greeting', 'smalltalk_thanks': 'thanks', 'smalltalk_goodbye': 'goodbye', 'smalltalk_ack': 'ack', 'welcome': 'greeting'}.get(name, 'smalltalk?')
    if k == 'handoff': return 'human'
    if k == 'urgent': return 'urgent'
    if name == 'fallback_medicine': return 'medicine'
    if k == 'emergency': return 'emergency'
    return 'other'
per = collections.defaultdict(lambda: [0, 0]); wrong = []
for (msg, label), line in zip(rows, out):
    g = got(json.loads(line))
    per[label][1] += 1
    if g == label: per[label][0] += 1
    else: wrong.append((label, g, msg))
tot = sum(v[0] for v in per.values()), sum(v[1] for v in per.values())
print(f"{path}: {tot[0]}/{tot[1]} = {tot[0]/tot[1]:.3f}")
for k, v in sorted(per.items()): print(f"  {k}: {v[0]}/{v[1]}")
if os.environ.get('SHOW'):
    for w in wrong: print('  WRONG', w)
