"""delegation and OpenID Connect login: delegations, demo registry units and roles, the
national id of a user, audit rows that name a delegation

Revision ID: 0002_deleg_delegation
Revises: 0001
Create Date: 2026-12-02 06:11:32
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_deleg_delegation"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demo_registry_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_number", sa.String(length=9), nullable=False),
        sa.Column("national_id", sa.String(length=11), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_number", "national_id", "role"),
    )
    with op.batch_alter_table("demo_registry_roles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demo_registry_roles_national_id"), ["national_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_demo_registry_roles_org_number"), ["org_number"], unique=False
        )

    op.create_table(
        "demo_registry_units",
        sa.Column("org_number", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=20), nullable=False),
        sa.Column("parent_org_number", sa.String(length=9), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("org_number"),
    )
    with op.batch_alter_table("demo_registry_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_demo_registry_units_parent_org_number"),
            ["parent_org_number"],
            unique=False,
        )

    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("national_id", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("covers_sub_units", sa.Boolean(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["revoked_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegations_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_delegations_national_id"), ["national_id"], unique=False
        )

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delegation_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_events_delegation_id"), ["delegation_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_audit_events_delegation_id", "delegations", ["delegation_id"], ["id"]
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_id", sa.String(length=11), nullable=True))
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.create_unique_constraint("uq_users_national_id", ["national_id"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_national_id", type_="unique")
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column("national_id")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_audit_events_delegation_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_audit_events_delegation_id"))
        batch_op.drop_column("delegation_id")

    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegations_national_id"))
        batch_op.drop_index(batch_op.f("ix_delegations_company_id"))
    op.drop_table("delegations")

    with op.batch_alter_table("demo_registry_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_registry_units_parent_org_number"))
    op.drop_table("demo_registry_units")

    with op.batch_alter_table("demo_registry_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_registry_roles_org_number"))
        batch_op.drop_index(batch_op.f("ix_demo_registry_roles_national_id"))
    op.drop_table("demo_registry_roles")
