"""No code path opens a network connection: a whole audit and its report, with every
socket connection refused."""

from __future__ import annotations

import socket

import pytest

import audit
from audit.config import TrainingConfig


def test_a_whole_audit_runs_with_the_network_refused(monkeypatch, tmp_path):
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network refused by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    subject = audit.reference("credit", seed=1, training=TrainingConfig(epochs=3))
    config = {
        "explainability": {"n_samples": 32, "trust_samples": 8},
        "privacy": {"shadow_models": 2},
    }
    result = audit.run(subject, config=config)
    path = result.save(tmp_path)
    assert attempts == []
    assert {s.id for s in result.sections} >= {"data", "fairness", "privacy", "explainability"}
    html = path.read_text()
    assert "http://" not in html and "https://" not in html


def test_the_refusal_is_not_vacuous(monkeypatch):
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("no")))
    with pytest.raises(OSError, match="no"):
        socket.create_connection(("127.0.0.1", 9))
