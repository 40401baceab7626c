"""GraphQL enums: the database vocabularies, exposed once."""

import strawberry

from db import enums
from resolvers.problems import ErrorCode
from resolvers.readiness import BlockerCode

PartnerRole = strawberry.enum(enums.PartnerRole)
PartnerTier = strawberry.enum(enums.PartnerTier)
MerchantRole = strawberry.enum(enums.MerchantRole)
ClientStatus = strawberry.enum(enums.ClientStatus)
AssignmentRole = strawberry.enum(enums.AssignmentRole)
DomainStatus = strawberry.enum(enums.DomainStatus)
PaymentStatus = strawberry.enum(enums.PaymentStatus)
LogisticsStatus = strawberry.enum(enums.LogisticsStatus)
CatalogStatus = strawberry.enum(enums.CatalogStatus)
LaunchStatus = strawberry.enum(enums.LaunchStatus)
UserErrorCode = strawberry.enum(ErrorCode, name="UserErrorCode")
MemberStatus = strawberry.enum(enums.MemberStatus)
PaymentProvider = strawberry.enum(enums.PaymentProvider)
KycStatus = strawberry.enum(enums.KycStatus)
TaxStatus = strawberry.enum(enums.TaxStatus)
Responsible = strawberry.enum(enums.Responsible)
TaskCategory = strawberry.enum(enums.TaskCategory)
TaskStatus = strawberry.enum(enums.TaskStatus)
LaunchBlockerCode = strawberry.enum(BlockerCode, name="LaunchBlockerCode")
