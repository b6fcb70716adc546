"""SQLAlchemy mappings of Keel's tables: users, posts, tags and the post-tag link."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "content_post_tags",
    Base.metadata,
    Column("id", primary_key=True),
    Column("post_id", ForeignKey("content_post.id")),
    Column("tag_id", ForeignKey("content_tag.id")),
)


class Author(Base):
    __tablename__ = "accounts_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    display_name: Mapped[str]

    @property
    def name(self) -> str:
        # The same rule as Keel's User.name: the display name, else the e-mail's local part.
        return self.display_name or self.email.split("@", 1)[0]


class Tag(Base):
    __tablename__ = "content_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Post(Base):
    __tablename__ = "content_post"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts_user.id"))
    title: Mapped[str]
    slug: Mapped[str]
    body: Mapped[str]
    status: Mapped[str]
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    author: Mapped[Author] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, lazy="raise")
