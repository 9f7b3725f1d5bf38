import socket

import pytest


def test_no_test_reaches_past_this_machine():
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.openai.com", 443)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(ConnectionRefusedError, match="network off"),
    ):
        sock.connect(("192.0.2.10", 443))
