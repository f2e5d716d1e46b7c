"""Initial schema: the thirteen tables of the guide with DESIGN.md's conventions,
plus app_settings and the append-only audit_log

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 19:50:34.613114
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal_desktop.models import types as pdt

AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'audit rows cannot be changed or deleted'; END$$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
    ],
}
DROP_AUDIT_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": [
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP FUNCTION audit_log_refuse_change()",
    ],
}


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ad_campaigns',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.Enum('FACEBOOK', 'GOOGLE', 'YOUTUBE', 'TIKTOK', 'OTHER', name='ad_platform', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'PAUSED', 'ARCHIVED', name='campaign_status', native_enum=False, create_constraint=True, length=20), server_default='ACTIVE', nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('daily_budget', pdt.Money(precision=12, scale=2), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('daily_budget IS NULL OR daily_budget >= 0', name=op.f('ck_ad_campaigns_daily_budget_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_campaigns')),
    sa.UniqueConstraint('platform', 'name', name=op.f('uq_ad_campaigns_platform_name'))
    )
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_campaigns_status'), ['status'], unique=False)

    op.create_table('app_settings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.String(length=2000), nullable=False),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_settings')),
    sa.UniqueConstraint('key', name=op.f('uq_app_settings_key'))
    )
    op.create_table('email_broadcasts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('sent_at', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), server_default='0', nullable=False),
    sa.Column('opens', sa.Integer(), server_default='0', nullable=False),
    sa.Column('clicks', sa.Integer(), server_default='0', nullable=False),
    sa.Column('unsubscribes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('notes', sa.String(length=4000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('recipients >= 0 AND opens >= 0 AND clicks >= 0 AND unsubscribes >= 0', name=op.f('ck_email_broadcasts_counts_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_broadcasts'))
    )
    with op.batch_alter_table('email_broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_broadcasts_sent_at'), ['sent_at'], unique=False)

    op.create_table('programs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=4000), nullable=True),
    sa.Column('price', pdt.Money(precision=12, scale=2), nullable=False),
    sa.Column('duration_weeks', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_programs_price_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programs')),
    sa.UniqueConstraint('name', name=op.f('uq_programs_name'))
    )
    op.create_table('team_members',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('role', sa.Enum('CLOSER', 'SETTER', 'DM_SETTER', name='team_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('commission_rate IS NULL OR (commission_rate >= 0 AND commission_rate <= 1)', name=op.f('ck_team_members_commission_rate_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members'))
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_members_role'), ['role'], unique=False)

    op.create_table('ad_performance',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('ad_campaign_id', sa.Uuid(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('spend', pdt.Money(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('impressions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('clicks', sa.Integer(), server_default='0', nullable=False),
    sa.Column('leads', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revenue', pdt.Money(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('spend >= 0 AND impressions >= 0 AND clicks >= 0 AND leads >= 0 AND revenue >= 0', name=op.f('ck_ad_performance_values_non_negative')),
    sa.ForeignKeyConstraint(['ad_campaign_id'], ['ad_campaigns.id'], name=op.f('fk_ad_performance_ad_campaign_id_ad_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ad_performance')),
    sa.UniqueConstraint('ad_campaign_id', 'date', name=op.f('uq_ad_performance_ad_campaign_id_date'))
    )
    with op.batch_alter_table('ad_performance', schema=None) as batch_op:
        batch_op.create_index('ix_ad_performance_date', ['date'], unique=False)

    op.create_table('daily_metrics',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('team_member_id', sa.Uuid(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('calls', sa.Integer(), server_default='0', nullable=False),
    sa.Column('conversations', sa.Integer(), server_default='0', nullable=False),
    sa.Column('booked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('offers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('closes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cash', pdt.Money(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('calls >= 0 AND conversations >= 0 AND booked >= 0 AND offers >= 0 AND closes >= 0 AND cash >= 0', name=op.f('ck_daily_metrics_counts_non_negative')),
    sa.ForeignKeyConstraint(['team_member_id'], ['team_members.id'], name=op.f('fk_daily_metrics_team_member_id_team_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_metrics')),
    sa.UniqueConstraint('team_member_id', 'date', name=op.f('uq_daily_metrics_team_member_id_date'))
    )
    with op.batch_alter_table('daily_metrics', schema=None) as batch_op:
        batch_op.create_index('ix_daily_metrics_date_team_member_id', ['date', 'team_member_id'], unique=False)

    op.create_table('leads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_name', sa.String(length=120), nullable=False),
    sa.Column('last_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=True),
    sa.Column('campaign', sa.String(length=200), nullable=True),
    sa.Column('medium', sa.String(length=120), nullable=True),
    sa.Column('status', sa.Enum('NEW', 'CONTACTED', 'QUALIFIED', 'LOST', name='lead_status', native_enum=False, create_constraint=True, length=20), server_default='NEW', nullable=False),
    sa.Column('lost_reason', sa.String(length=500), nullable=True),
    sa.Column('ad_campaign_id', sa.Uuid(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('notes', sa.String(length=4000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['ad_campaign_id'], ['ad_campaigns.id'], name=op.f('fk_leads_ad_campaign_id_ad_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['team_members.id'], name=op.f('fk_leads_owner_id_team_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_ad_campaign_id'), ['ad_campaign_id'], unique=False)
        batch_op.create_index('ix_leads_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_leads_last_name_first_name', ['last_name', 'first_name'], unique=False)
        batch_op.create_index('ix_leads_id_ad_campaign_id', ['id', 'ad_campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_source'), ['source'], unique=False)
        batch_op.create_index('ix_leads_status_created_at', ['status', 'created_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('role', sa.Enum('ADMIN', 'SALES', 'MARKETING', name='user_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), server_default='1', nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('team_member_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('failed_logins >= 0', name=op.f('ck_users_failed_logins_non_negative')),
    sa.ForeignKeyConstraint(['team_member_id'], ['team_members.id'], name=op.f('fk_users_team_member_id_team_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('team_member_id', name=op.f('uq_users_team_member_id')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('at', pdt.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('action', sa.Enum('CREATE', 'UPDATE', 'DELETE', name='audit_action', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=True),
    sa.Column('old_values', sa.JSON(), nullable=True),
    sa.Column('new_values', sa.JSON(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_entity_entity_id', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('students',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_name', sa.String(length=120), nullable=False),
    sa.Column('last_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('lead_id', sa.Uuid(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('notes', sa.String(length=4000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_students_lead_id_leads'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_students_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
    sa.UniqueConstraint('lead_id', name=op.f('uq_students_lead_id'))
    )
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.create_index('ix_students_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_students_last_name_first_name', ['last_name', 'first_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_students_user_id'), ['user_id'], unique=False)

    op.create_table('sales_calls',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('lead_id', sa.Uuid(), nullable=True),
    sa.Column('student_id', sa.Uuid(), nullable=True),
    sa.Column('host_id', sa.Uuid(), nullable=False),
    sa.Column('setter_id', sa.Uuid(), nullable=True),
    sa.Column('scheduled_at', pdt.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), server_default='45', nullable=False),
    sa.Column('outcome', sa.Enum('CLOSED_WON', 'CLOSED_LOST', 'NO_SHOW', 'FOLLOW_UP', 'RESCHEDULED', 'CANCELLED', 'NOT_QUALIFIED', name='call_outcome', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('offer_made', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('meeting_url', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.String(length=4000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_sales_calls_duration_positive')),
    sa.CheckConstraint('lead_id IS NOT NULL OR student_id IS NOT NULL', name=op.f('ck_sales_calls_lead_or_student')),
    sa.ForeignKeyConstraint(['host_id'], ['team_members.id'], name=op.f('fk_sales_calls_host_id_team_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_sales_calls_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['setter_id'], ['team_members.id'], name=op.f('fk_sales_calls_setter_id_team_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_sales_calls_student_id_students'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_calls'))
    )
    with op.batch_alter_table('sales_calls', schema=None) as batch_op:
        batch_op.create_index('ix_sales_calls_host_id_scheduled_at', ['host_id', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_calls_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_sales_calls_outcome_scheduled_at', ['outcome', 'scheduled_at'], unique=False)
        batch_op.create_index('ix_sales_calls_scheduled_at', ['scheduled_at'], unique=False)
        batch_op.create_index('ix_sales_calls_setter_id_scheduled_at', ['setter_id', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_calls_student_id'), ['student_id'], unique=False)

    op.create_table('enrollments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('student_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('plan_type', sa.Enum('PIF', 'SPLIT', name='plan_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('contract_value', pdt.Money(precision=12, scale=2), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'COMPLETED', 'CANCELLED', 'DEFAULTED', name='enrollment_status', native_enum=False, create_constraint=True, length=20), server_default='ACTIVE', nullable=False),
    sa.Column('closer_id', sa.Uuid(), nullable=True),
    sa.Column('setter_id', sa.Uuid(), nullable=True),
    sa.Column('sales_call_id', sa.Uuid(), nullable=True),
    sa.Column('down_payment', pdt.Money(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('installment_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('payment_frequency', sa.Enum('WEEKLY', 'BIWEEKLY', 'MONTHLY', name='payment_frequency', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('ended_at', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.String(length=4000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('contract_value >= 0', name=op.f('ck_enrollments_contract_value_non_negative')),
    sa.CheckConstraint('down_payment >= 0 AND down_payment <= contract_value', name=op.f('ck_enrollments_down_payment_range')),
    sa.CheckConstraint('installment_count >= 1', name=op.f('ck_enrollments_installment_count_positive')),
    sa.ForeignKeyConstraint(['closer_id'], ['team_members.id'], name=op.f('fk_enrollments_closer_id_team_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_enrollments_program_id_programs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sales_call_id'], ['sales_calls.id'], name=op.f('fk_enrollments_sales_call_id_sales_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['setter_id'], ['team_members.id'], name=op.f('fk_enrollments_setter_id_team_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_enrollments_student_id_students'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_closer_id_start_date', ['closer_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_sales_call_id'), ['sales_call_id'], unique=False)
        batch_op.create_index('ix_enrollments_setter_id_start_date', ['setter_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_start_date'), ['start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_student_id'), ['student_id'], unique=False)

    op.create_table('installments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', pdt.Money(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'PAID', 'OVERDUE', name='installment_status', native_enum=False, create_constraint=True, length=20), server_default='PENDING', nullable=False),
    sa.Column('is_down_payment', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_installments_amount_non_negative')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_installments_sequence_positive')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_installments_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installments')),
    sa.UniqueConstraint('enrollment_id', 'sequence', name=op.f('uq_installments_enrollment_id_sequence'))
    )
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.create_index('ix_installments_due_date', ['due_date'], unique=False)
        batch_op.create_index('ix_installments_status_due_date', ['status', 'due_date'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrollment_id', sa.Uuid(), nullable=False),
    sa.Column('installment_id', sa.Uuid(), nullable=True),
    sa.Column('amount', pdt.Money(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.Enum('PAID', 'PENDING', 'FAILED', 'REFUNDED', name='payment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('paid_at', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('method', sa.Enum('CARD', 'BANK_TRANSFER', 'PAYPAL', 'CASH', 'CHECK', 'OTHER', name='payment_method', native_enum=False, create_constraint=True, length=20), server_default='CARD', nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('failure_reason', sa.String(length=500), nullable=True),
    sa.Column('refunded_amount', pdt.Money(precision=12, scale=2), server_default='0', nullable=False),
    sa.Column('refunded_at', pdt.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.Column('created_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', pdt.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_non_negative')),
    sa.CheckConstraint('refunded_amount >= 0 AND refunded_amount <= amount', name=op.f('ck_payments_refund_within_amount')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_payments_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['installment_id'], ['installments.id'], name=op.f('fk_payments_installment_id_installments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_installment_id'), ['installment_id'], unique=False)
        batch_op.create_index('ix_payments_paid_at', ['paid_at'], unique=False)
        batch_op.create_index('ix_payments_refunded_at', ['refunded_at'], unique=False)
        batch_op.create_index('ix_payments_status_paid_at', ['status', 'paid_at'], unique=False)
        batch_op.create_index('uq_payments_installment_id_paid', ['installment_id'], unique=True, postgresql_where=sa.text("status = 'PAID'"), sqlite_where=sa.text("status = 'PAID'"))


    # Expression indexes (Alembic cannot autogenerate them): emails unique regardless of case.
    op.create_index('uq_leads_email_lower', 'leads', [sa.text('lower(email)')], unique=True)
    op.create_index('uq_students_email_lower', 'students', [sa.text('lower(email)')], unique=True)
    # The audit trail is append-only, whoever writes to the database.
    for statement in AUDIT_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_AUDIT_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_index('uq_students_email_lower', table_name='students')
    op.drop_index('uq_leads_email_lower', table_name='leads')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('uq_payments_installment_id_paid', postgresql_where=sa.text("status = 'PAID'"), sqlite_where=sa.text("status = 'PAID'"))
        batch_op.drop_index('ix_payments_status_paid_at')
        batch_op.drop_index('ix_payments_refunded_at')
        batch_op.drop_index('ix_payments_paid_at')
        batch_op.drop_index(batch_op.f('ix_payments_installment_id'))
        batch_op.drop_index(batch_op.f('ix_payments_enrollment_id'))

    op.drop_table('payments')
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.drop_index('ix_installments_status_due_date')
        batch_op.drop_index('ix_installments_due_date')

    op.drop_table('installments')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrollments_student_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_status'))
        batch_op.drop_index(batch_op.f('ix_enrollments_start_date'))
        batch_op.drop_index('ix_enrollments_setter_id_start_date')
        batch_op.drop_index(batch_op.f('ix_enrollments_sales_call_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_program_id'))
        batch_op.drop_index('ix_enrollments_closer_id_start_date')

    op.drop_table('enrollments')
    with op.batch_alter_table('sales_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_calls_student_id'))
        batch_op.drop_index('ix_sales_calls_setter_id_scheduled_at')
        batch_op.drop_index('ix_sales_calls_scheduled_at')
        batch_op.drop_index('ix_sales_calls_outcome_scheduled_at')
        batch_op.drop_index(batch_op.f('ix_sales_calls_lead_id'))
        batch_op.drop_index('ix_sales_calls_host_id_scheduled_at')

    op.drop_table('sales_calls')
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_students_user_id'))
        batch_op.drop_index('ix_students_last_name_first_name')
        batch_op.drop_index('ix_students_created_at')

    op.drop_table('students')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index('ix_audit_log_entity_entity_id')
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
    op.drop_table('users')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_status_created_at')
        batch_op.drop_index(batch_op.f('ix_leads_source'))
        batch_op.drop_index(batch_op.f('ix_leads_owner_id'))
        batch_op.drop_index('ix_leads_last_name_first_name')
        batch_op.drop_index('ix_leads_id_ad_campaign_id')
        batch_op.drop_index('ix_leads_created_at')
        batch_op.drop_index(batch_op.f('ix_leads_ad_campaign_id'))

    op.drop_table('leads')
    with op.batch_alter_table('daily_metrics', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_metrics_date_team_member_id')

    op.drop_table('daily_metrics')
    with op.batch_alter_table('ad_performance', schema=None) as batch_op:
        batch_op.drop_index('ix_ad_performance_date')

    op.drop_table('ad_performance')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_role'))
        batch_op.drop_index(batch_op.f('ix_team_members_active'))

    op.drop_table('team_members')
    op.drop_table('programs')
    with op.batch_alter_table('email_broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_broadcasts_sent_at'))

    op.drop_table('email_broadcasts')
    op.drop_table('app_settings')
    with op.batch_alter_table('ad_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ad_campaigns_status'))

    op.drop_table('ad_campaigns')
