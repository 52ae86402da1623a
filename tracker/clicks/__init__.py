"""The followers' path: WSGI redirect, click classification, click writer, daily sums, purge."""
