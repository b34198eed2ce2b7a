"""A TCP relay between the page and the web server that can cut the network silently, as a dead Wi-Fi path does.

``cut()`` stops carrying bytes on every connection open now, in both directions, without closing any of them: no
FIN, no RST, as when the timing laptop's access point drops while a phone holds its event stream. Connections made
after the cut are carried again (the network is back); the cut ones stay dead, as a phone's would.
"""

from __future__ import annotations

import socket
import threading


class NetCut:
    """Listens on a free loopback port and relays each connection to ``target_port``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._cut: list[threading.Event] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="netcut-accept", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            dead = threading.Event()
            with self._lock:
                self._cut.append(dead)
                self._sockets.extend((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink, dead), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, dead: threading.Event) -> None:
        try:
            while data := source.recv(65536):
                if not dead.is_set():  # once cut, the bytes are lost on the way; nobody is told
                    sink.sendall(data)
            if not dead.is_set():
                sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def cut(self) -> None:
        """Every connection open now carries nothing more, and nobody is told; later ones are carried."""
        with self._lock:
            for dead in self._cut:
                dead.set()

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()
