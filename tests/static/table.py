# Prints cf-static records as one line per function, class, file summary
# and import, for exact comparison in tests/101-static.bats.
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if 'error' in r:
        print('skipped %s: %s' % (r['path'], r['error']))
        continue
    f = r['file']
    for fn in f.get('functions', []):
        h = fn['halstead']
        print('func %s %d cyc=%d cog=%d nest=%d n1=%d n2=%d N1=%d N2=%d V=%.4f doc=%d' % (
            fn['name'], fn['line'], fn['cyclomatic'], fn['cognitive'], fn['nesting'],
            h['n1'], h['n2'], h['N1'], h['N2'], h['volume'], fn['documented']))
    for c in f.get('classes', []):
        print('class %s %d methods=%d lcom4=%d doc=%d' % (
            c['name'], c['line'], c['methods'], c['lcom4'], c['documented']))
    c = f['comments']
    print('comments %d/%d' % (c['comment_lines'], c['code_lines']))
    for i in f.get('imports', []):
        print('import %s' % i)
