# Background jobs.

# A job that failed its last attempt (the dead letter) belongs to no partner or client: it is
# the platform's to look into. Platform staff alone see them.
resource FailedJob {
  permissions = ["read"];
}

has_permission(viewer: Viewer, "read", _: FailedJob) if viewer.is_platform_staff = true;

# The scheduler (resolvers/scheduled.py) approves the commissions past their hold every day, as
# platform staff may (approveDueCommissions). No token can name this service: it exists only
# inside the worker.
has_permission(viewer: Viewer, "approve", _: Commission) if viewer.service = "scheduler";
