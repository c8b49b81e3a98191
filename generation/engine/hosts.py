"""Which hosts a generator may send requests to (``RANKWISE_GENERATOR_HOSTS``).

A generator's base URL is typed by a project's researchers, and the server then posts to it
and shows what comes back (the Try button, a failed sample's error). Without a rule that is
a door into the server's own network. The rule:

- Link-local addresses (169.254.0.0/16, fe80::/10, and AWS's fd00:ec2::254) are refused
  unless an entry names them: that is where cloud metadata services answer, with the
  machine's credentials, and no model server lives there.
- With no entries (the default) every other host is allowed: a self-hosted team's vLLM
  servers sit on private addresses and compose or cluster names.
- With entries, a host is allowed when its name matches one (``vllm``, ``*.example.com``),
  or when the address it resolves to lies in one (``10.0.0.0/8``, ``192.168.1.20``).

The rule is checked when a generator is saved (``url_refusal``) and again on every
connection (``GuardedResolver``, after DNS answers: a name that resolved to an allowed
address at save time may not later), so a changed setting or a changed DNS record is seen.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LINK_LOCAL = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


class HostRefused(OSError):
    """A connection the host rule forbids (an OSError, as aiohttp expects of resolvers)."""


@dataclass(frozen=True)
class HostPolicy:
    names: tuple[str, ...] = ()  # lower case; "*.example.com" matches its subdomains
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> HostPolicy:
        """From the setting's comma-separated entries; ValueError names a bad one."""
        names: list[str] = []
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            label = entry.removeprefix("*.")
            if not label or any(c in label for c in "/:@*") or " " in label:
                raise ValueError(
                    f"{raw.strip()!r} is neither a host name, a *.domain, an IP address "
                    "nor a network"
                )
            names.append(entry)
        return cls(tuple(names), tuple(networks))

    @property
    def open(self) -> bool:
        return not self.names and not self.networks

    def name_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for name in self.names:
            if name.startswith("*."):
                if host.endswith(name[1:]):
                    return True
            elif host == name:
                return True
        return False

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to ``host`` at ``address`` is refused, or None when it is not."""
        ip = ipaddress.ip_address(address.split("%")[0])  # an IPv6 scope id is no part of it
        if any(ip in network for network in self.networks):
            return None
        if any(ip in network for network in LINK_LOCAL):
            return (
                f"{host} is at {ip}, a link-local address (where cloud metadata services "
                "answer): name it in RANKWISE_GENERATOR_HOSTS to allow it"
            )
        if self.open or self.name_allowed(host):
            return None
        return f"{host} ({ip}) is not in RANKWISE_GENERATOR_HOSTS"

    def literal_refusal(self, url: str) -> str | None:
        """The rule for a URL whose host is an address (aiohttp connects to those without
        asking the resolver); None for a host name."""
        host = urlsplit(url).hostname or ""
        return self.refusal(host, host) if _is_address(host) else None

    def url_refusal(self, url: str) -> str | None:
        """The rule applied to a base URL when it is saved: literal addresses are checked
        as they are; a name is resolved only when the entries are networks it must lie in
        (with no entries, or a matching name, the connection's own check is enough)."""
        host = urlsplit(url).hostname or ""
        if _is_address(host) or self.open or self.name_allowed(host):
            return self.literal_refusal(url)
        try:
            found = {info[4][0] for info in socket.getaddrinfo(host, None)}
        except OSError:
            return f"{host} does not resolve, and it is not a name in RANKWISE_GENERATOR_HOSTS"
        refusals = [self.refusal(host, str(address)) for address in sorted(found)]
        return None if None in refusals else refusals[0]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, keeping only the addresses the rule allows. aiohttp does not ask
    a resolver about literal addresses: ``works_run`` checks those itself."""

    def __init__(self, policy: HostPolicy, resolver: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.resolver.resolve(host, port, family)
        refusals = [self.policy.refusal(host, r["host"]) for r in found]
        allowed = [r for r, why in zip(found, refusals, strict=True) if why is None]
        if not allowed:
            raise HostRefused(next(why for why in refusals if why) if refusals else host)
        return allowed

    async def close(self) -> None:
        await self.resolver.close()
