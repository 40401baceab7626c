"""Authorization: the Polar policies, the Oso set-up, the SQL filter adapter, and the two helpers
every resolver uses (`Authorizer.filter` for lists, `Authorizer.one` for a single object)."""

from policies.authorize import Authorizer, build_authorizer
from policies.viewer import ANONYMOUS, Membership, MerchantGrant, Viewer, load_viewer

__all__ = [
    "ANONYMOUS",
    "Authorizer",
    "Membership",
    "MerchantGrant",
    "Viewer",
    "build_authorizer",
    "load_viewer",
]
