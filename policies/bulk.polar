# Bulk operations: one change asked for many clients or tasks. The operation is its creator's
# own job: each of its items runs with the creator's permissions as they are when it runs, so
# these rules decide only who follows the operation and its results.

resource BulkOperation {
  permissions = ["read"];
}

# Its creator follows it.
has_permission(viewer: Viewer, "read", operation: BulkOperation) if
  operation.created_by_user_id = viewer.user_id;

# Platform staff follow every operation (support).
has_permission(viewer: Viewer, "read", _: BulkOperation) if viewer.is_platform_staff = true;

resource BulkResult {
  permissions = ["read"];
  relations = { operation: BulkOperation };
  # Whoever follows an operation sees its results.
  "read" if "read" on "operation";
}

# A result belongs to its operation.
has_relation(operation: BulkOperation, "operation", result: BulkResult) if
  operation = result.operation;
