# The image the Helm chart deploys: `docker build -t akeneo-consumer:0.1.0 .`
# Two stages so the image carries the installed wheels and nothing of the build.
# The full image has the C compiler setup.py compiles the hot modules with (mypyc); the wheel's
# compiled modules then run on the slim image's same Python 3.11.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY consumer ./consumer
# consumer/schemas links to ../schemas: the .avsc files ship inside the package.
COPY schemas ./schemas
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# A fixed non-root user: the chart's podSecurityContext runs as 10001 with runAsNonRoot.
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin consumer
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
USER 10001:10001
# Logs straight to stdout; no .pyc writes on the chart's read-only root filesystem.
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
EXPOSE 8080
# Exec form: SIGTERM from Kubernetes reaches the service itself, which drains and exits 0.
ENTRYPOINT ["akeneo-consumer"]
CMD ["run"]
