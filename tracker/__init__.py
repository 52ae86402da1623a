"""tracker: campaign attribution for influencer marketing."""

import os

from flask import Flask


def create_app(test_config=None):
    """Build the app: config, database, error handling, blueprints, redirect layer, CLI."""
    from tracker import cli, config, db, errors, health
    from tracker.api import resources as api
    from tracker.clicks.redirect import Redirector
    from tracker.dashboard import site as dashboard
    from tracker.orders import webhooks

    instance = os.path.abspath(os.environ.get("TRACKER_INSTANCE", "instance"))
    app = Flask(__name__, instance_path=instance)
    app.config.from_mapping(config.load(app.instance_path, test_config))
    app.json.sort_keys = False
    db.init_app(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(webhooks.bp)
    cli.init_app(app)
    app.wsgi_app = Redirector(app.wsgi_app, app)
    app.extensions["tracker.redirector"] = app.wsgi_app
    return app
