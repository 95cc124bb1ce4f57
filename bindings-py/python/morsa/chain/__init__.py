"""The control plane: a stand-in for Walrus's Sui contracts on a local network.

Committee and shard assignment from stake, epochs on a timer or on demand, accounts with
balances (a devnet faucet), blob registration with payment, certification and invalidation
(certificates verified by the core), delegated staking, node votes and commission, blob status
and events that storage nodes follow, epoch change with reward distribution. The economy is the
core's state machine (:class:`morsa.rewards.Network`). HTTP JSON API (docs/network.md), SQLite
state, durable across restarts.
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .server import create_app, run
    from .state import ChainConfig, ChainState, NodeSpec

__all__ = ["ChainConfig", "ChainState", "NodeSpec", "create_app", "run"]

__getattr__ = lazy_exports(__name__, {
    "create_app": ".server",
    "run": ".server",
    "ChainConfig": ".state",
    "ChainState": ".state",
    "NodeSpec": ".state",
})
