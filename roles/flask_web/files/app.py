"""The web application of the parallel.jobs monitoring scenario: a page of database rows and a health check."""

import html
import json
import os
import time

import pymysql
from flask import Flask, Response

CONFIG_PATH = os.environ.get('FLASK_WEB_CONFIG', os.path.join(os.path.dirname(__file__), 'config.json'))

app = Flask(__name__)


def load_config():
    with open(CONFIG_PATH) as handle:
        return json.load(handle)


def query_rows(config):
    db = config['database']
    connection = pymysql.connect(host=db['host'], port=db['port'], user=db['user'], password=db['password'],
                                 database=db['name'], connect_timeout=3, read_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute('SELECT name, quantity FROM `%s` ORDER BY id' % db['table'].replace('`', ''))
            return cursor.fetchall()
    finally:
        connection.close()


@app.route('/')
def index():
    config = load_config()
    try:
        rows = query_rows(config)
    except pymysql.MySQLError as exc:
        return Response('<h1>%s</h1><p>The database is not available: %s</p>'
                        % (html.escape(config['title']), html.escape(str(exc))), status=503)
    items = ''.join('<tr><td>%s</td><td>%d</td></tr>' % (html.escape(name), quantity) for name, quantity in rows)
    page = ('<!doctype html><title>{title}</title><h1>{title}</h1>'
            '<table><tr><th>item</th><th>quantity</th></tr>{items}</table>'
            '<p>{count} rows from the database</p>').format(title=html.escape(config['title']), items=items,
                                                            count=len(rows))
    return Response(page, mimetype='text/html')


@app.route('/health')
def health():
    config = load_config()
    started = time.monotonic()
    try:
        rows = len(query_rows(config))
    except pymysql.MySQLError as exc:
        body = {'status': 'unhealthy', 'database': {'connected': False, 'error': str(exc)}}
        return Response(json.dumps(body), status=503, mimetype='application/json')
    latency = round((time.monotonic() - started) * 1000, 1)
    body = {'status': 'ok', 'database': {'connected': True, 'rows': rows, 'latency_ms': latency}}
    return Response(json.dumps(body), mimetype='application/json')
