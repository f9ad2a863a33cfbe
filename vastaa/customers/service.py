"""Linking identities into one customer. Nothing here commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author, Customer
from vastaa.errors import NotFoundError


def link_authors(
    session: Session, *, customer_id: uuid.UUID, author_ids: Sequence[uuid.UUID]
) -> None:
    """Make ``author_ids`` identities of one customer (R9); customers left empty are removed."""
    if session.get(Customer, customer_id) is None:
        raise NotFoundError(f"customer {customer_id}")
    previous = set(
        session.scalars(select(Author.customer_id).where(Author.id.in_(author_ids))).all()
    )
    session.execute(
        update(Author).where(Author.id.in_(author_ids)).values(customer_id=customer_id),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Conversation)
        .where(Conversation.author_id.in_(author_ids))
        .values(customer_id=customer_id),
        execution_options={"synchronize_session": False},
    )
    _remove_empty(session, previous - {customer_id})


def _remove_empty(session: Session, customer_ids: set[uuid.UUID | None]) -> None:
    for customer_id in customer_ids:
        if customer_id is None:
            continue
        still_used = session.scalar(select(Author.id).where(Author.customer_id == customer_id))
        if still_used is None:
            session.execute(
                delete(Customer).where(Customer.id == customer_id),
                execution_options={"synchronize_session": False},
            )
