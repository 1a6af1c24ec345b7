FROM python:3.11-slim
# fonts for the local renderer's captions
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
# the locked versions, hashes checked, in a layer that changes only with the lock
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY api api
COPY workers workers
COPY db db
COPY domain domain
COPY cli.py settings.py embedded.py logs.py telemetry.py ./
RUN pip install --no-cache-dir --no-deps .
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["fanreel", "api"]
