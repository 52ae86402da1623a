"""Marketers in a browser: the HTML dashboard, its forms, charts and sign-in."""
