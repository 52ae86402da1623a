FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    TRACKER_INSTANCE=/data TRACKER_HOST=0.0.0.0 TRACKER_PORT=8000
WORKDIR /app
COPY pyproject.toml README.md ./
# the same pinned versions as scripts/_venv installs (scripts/lock rewrites the file)
COPY scripts/constraints.txt ./scripts/constraints.txt
COPY tracker ./tracker
RUN pip install --no-cache-dir -c scripts/constraints.txt . \
    && useradd --system --uid 10001 --home-dir /data tracker \
    && mkdir -p /data && chown tracker /data
USER tracker
VOLUME ["/data"]
EXPOSE 8000
# TRACKER_SECRET_KEY must be given at run time (docker run -e TRACKER_SECRET_KEY=...).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
CMD ["tracker", "serve"]
