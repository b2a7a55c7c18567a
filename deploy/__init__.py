"""Serving digitnet to a class: HAProxy in front of several app processes (classroom.py,
haproxy.cfg), and Kubernetes manifests (k8s/). The Dockerfile and compose.yaml sit at the root."""
