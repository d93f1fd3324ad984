"""Health and stability checks for the monitoring phase of parallel.jobs' web application scenario.

Installed beside /opt/monitor_webapp.py and /opt/monitor_database.py, which
call main() with their kind. Every --interval seconds, for --window seconds,
a monitor runs one check and prints one line. It exits 0 only if the whole
window passed, and exits 1 at the first sustained failure (--failures failed
checks in a row), saying what failed and when. Settings come from
<script>.json beside the script; options override them.

Standard library only, plus PyMySQL for the database check.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

COMMON = {'window': 300.0, 'interval': 10.0, 'failures': 3, 'timeout': 5.0}
DEFAULTS = {
    'webapp': dict(COMMON, url='http://127.0.0.1:8080/', expect='Inventory', max_response=2.0),
    'database': dict(COMMON, host='127.0.0.1', port=3306, user='webapp', password='', database='webapp',
                     query='SELECT COUNT(*) FROM inventory', min_rows=1, max_latency=1.0),
}


def load_settings(kind, script, argv):
    settings = dict(DEFAULTS[kind])
    config_path = os.path.splitext(os.path.abspath(script))[0] + '.json'
    if os.path.exists(config_path):
        with open(config_path) as handle:
            settings.update(json.load(handle))
    parser = argparse.ArgumentParser(prog=os.path.basename(script),
                                     description='Check the %s for a stability window.' % kind)
    parser.add_argument('--window', type=float, help='seconds it must stay healthy')
    parser.add_argument('--interval', type=float, help='seconds between checks')
    parser.add_argument('--failures', type=int, help='failed checks in a row that count as a sustained failure')
    parser.add_argument('--timeout', type=float, help='seconds before one check is abandoned')
    if kind == 'webapp':
        parser.add_argument('--url')
        parser.add_argument('--expect', help='text the page must contain')
        parser.add_argument('--max-response', dest='max_response', type=float, help='slowest acceptable answer, s')
    else:
        parser.add_argument('--host')
        parser.add_argument('--port', type=int)
        parser.add_argument('--query', help='a query returning one number (a row count)')
        parser.add_argument('--max-latency', dest='max_latency', type=float, help='slowest acceptable query, s')
    options = parser.parse_args(argv)
    settings.update({key: value for key, value in vars(options).items() if value is not None})
    if settings['window'] <= 0 or settings['interval'] <= 0 or settings['failures'] < 1:
        parser.error('window and interval must be positive and failures at least 1')
    return settings


def check_webapp(settings):
    """Status, response time and content of the page: (ok, description)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(settings['url'], timeout=settings['timeout']) as response:
            status, body = response.status, response.read().decode('utf-8', errors='replace')
    except urllib.error.HTTPError as exc:
        return False, 'HTTP %d from %s' % (exc.code, settings['url'])
    except (urllib.error.URLError, OSError) as exc:
        return False, 'no answer from %s (%s)' % (settings['url'], getattr(exc, 'reason', exc))
    elapsed = time.monotonic() - started
    if settings['expect'] not in body:
        return False, 'HTTP %d in %.3f s but the page lacks %r' % (status, elapsed, settings['expect'])
    if elapsed > settings['max_response']:
        return False, 'HTTP %d but slow: %.3f s (limit %.3f s)' % (status, elapsed, settings['max_response'])
    return True, 'HTTP %d in %.3f s, page ok' % (status, elapsed)


def check_database(settings):
    """Connection, a query and its latency: (ok, description)."""
    import pymysql

    started = time.monotonic()
    try:
        connection = pymysql.connect(host=settings['host'], port=int(settings['port']), user=settings['user'],
                                     password=settings['password'], database=settings['database'],
                                     connect_timeout=settings['timeout'], read_timeout=settings['timeout'])
    except pymysql.MySQLError as exc:
        return False, 'cannot connect to %s:%s (%s)' % (settings['host'], settings['port'], exc.args[-1])
    try:
        with connection.cursor() as cursor:
            cursor.execute(settings['query'])
            row = cursor.fetchone()
    except pymysql.MySQLError as exc:
        return False, 'query failed (%s)' % exc.args[-1]
    finally:
        connection.close()
    elapsed = time.monotonic() - started
    count = row[0] if row else None
    if not isinstance(count, int) or count < settings['min_rows']:
        return False, 'query returned %r, expected at least %d rows' % (count, settings['min_rows'])
    if elapsed > settings['max_latency']:
        return False, 'slow: connect and query took %.3f s (limit %.3f s)' % (elapsed, settings['max_latency'])
    return True, 'connected, %d rows, %.1f ms' % (count, elapsed * 1000)


CHECKS = {'webapp': check_webapp, 'database': check_database}


def watch(settings, check_once, now=time.monotonic, sleep=time.sleep, clock=time.strftime, out=sys.stdout):
    """Run checks for the window; return the exit code (0 healthy, 1 unhealthy)."""
    started = now()
    streak, first_failure, checks = 0, None, 0
    while True:
        checks += 1
        elapsed = now() - started
        ok, what = check_once(settings)
        stamp = clock('%H:%M:%S')
        out.write('%s +%5.1fs %s %s\n' % (stamp, elapsed, 'ok  ' if ok else 'FAIL', what))
        out.flush()
        if ok:
            streak, first_failure = 0, None
        else:
            streak += 1
            first_failure = first_failure or (stamp, elapsed)
            if streak >= settings['failures']:
                out.write('UNHEALTHY: %d checks in a row failed since %s (+%.1fs): %s\n'
                          % (streak, first_failure[0], first_failure[1], what))
                return 1
        if elapsed >= settings['window']:
            break
        sleep(max(0.0, min(settings['interval'], started + settings['window'] - now())))
    if streak:
        out.write('UNHEALTHY: the window ended with %d failed checks in a row since %s (+%.1fs)\n'
                  % (streak, first_failure[0], first_failure[1]))
        return 1
    out.write('HEALTHY: all %d checks over %.0f s passed\n' % (checks, settings['window']))
    return 0


def main(kind, script, argv=None):
    settings = load_settings(kind, script, sys.argv[1:] if argv is None else argv)
    return watch(settings, CHECKS[kind])
