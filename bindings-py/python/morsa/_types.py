"""The names shared by every binding, as types: the one definition of each in the package.

:mod:`morsa` re-exports :data:`Axis`, :data:`ConsistencyCheck` and :data:`CertificateKind`,
:mod:`morsa.rewards` re-exports :data:`Rules`, and the stub of the native module uses them.
"""

from __future__ import annotations

from typing import Literal

Axis = Literal["primary", "secondary"]
"""A sliver's axis (SPEC §3.3): the names of every binding."""

ConsistencyCheck = Literal["default", "strict", "skip"]
"""How a decoded blob is checked against its metadata (SPEC §7): the names of every binding."""

CertificateKind = Literal["confirmation", "invalid_blob"]
"""What a certificate attests (SPEC §10.3): the names of every binding."""

Rules = Literal["mainnet", "development"]
"""``mainnet``: ``mainnet-contracts/`` (deployed); ``development``: ``contracts/`` (REWARDS.md §0.1)."""


def other_axis(axis: Axis) -> Axis:
    """The orthogonal axis."""
    return "secondary" if axis == "primary" else "primary"


__all__ = ["Axis", "CertificateKind", "ConsistencyCheck", "Rules", "other_axis"]
