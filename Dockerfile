# digitnet in one container: the app on port 8501. A Hugging Face Docker Space builds this
# file (README.md's front matter), compose.yaml runs several of it behind HAProxy, and
# deploy/k8s/ runs it on Kubernetes.
#   docker build -t digitnet .
#   docker run --rm -p 8501:8501 digitnet        then open http://localhost:8501
# The same commands as the README's "Without make"; MNIST and the default models are in
# assets/ and copied in with the code: nothing is downloaded at run time.
FROM python:3.11-slim

# Hugging Face runs a Space's container as user id 1000; this image runs as that user everywhere.
# The app's folder is made here, owned by that user: the virtualenv is created in it.
RUN useradd --create-home --uid 1000 learner && install -d -o learner -g learner /home/learner/app
USER 1000
WORKDIR /home/learner/app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
# Cross-site cookies are blocked in the iframe a Space is shown in, and Streamlit's XSRF check
# needs one, so uploads failed there; the app has no accounts to protect (compose.yaml and
# deploy/k8s/ turn the check back on).
ENV STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=false

# requirements.txt takes torch's CPU build from PyTorch's own index: no CUDA download.
COPY --chown=1000:1000 requirements.txt .
RUN python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
COPY --chown=1000:1000 . .

EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["python3", "-c", \
    "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).read() != b'ok')"]
CMD [".venv/bin/streamlit", "run", "app.py", "--server.address", "0.0.0.0"]
