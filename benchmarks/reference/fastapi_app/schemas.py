"""Response shapes, as DRF's serializers and PageNumberPagination give them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class PostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    slug: str
    body: str
    status: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    author: AuthorOut
    tags: list[str]

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_names(cls, tags: list) -> list[str]:
        return [tag if isinstance(tag, str) else tag.name for tag in tags]


class PostPage(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[PostOut]


class Hello(BaseModel):
    message: str
