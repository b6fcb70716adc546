"""Who may do what to posts and comments: the content app's object permissions.

Every surface asks the same question, `user.has_perm("content.change_post", post)`
(apps/kernel/permissions.py); the answers are declared here, once, with django-rules.
Superusers are let through by Django before any rule runs. Model permissions held
directly or through a group (a role) count where a rule says `holds_model_perm`: staff
given `content.change_post` in the admin may change any post, and the `moderator` group
holds `content.hide_comment`, "may hide comments on any post".

The selectors filter lists with the query form of `content.view_post`
(`selectors._visible_filter`); tests/content/test_permissions.py holds the two to the
same answers.
"""

import rules

from apps.content.errors import CommentsClosed, NotPostAuthor, PostNotFound
from apps.kernel.permissions import declare_refusals, holds_model_perm

# The role of people who keep comment threads civil on every post (seed_demo creates it).
MODERATOR_GROUP = "moderator"
MODERATOR_PERMISSIONS = ("content.hide_comment",)


@rules.predicate
def is_published(user, post) -> bool:
    return post is not None and post.is_published


@rules.predicate
def is_post_author(user, post) -> bool:
    return post is not None and post.author_id == user.pk


@rules.predicate
def is_comment_author(user, comment) -> bool:
    return comment is not None and comment.author_id == user.pk


@rules.predicate
def is_author_of_commented_post(user, comment) -> bool:
    # comment.post is the post already loaded when the comment was read through it.
    return comment is not None and comment.post.author_id == user.pk


@rules.predicate
def is_commented_post_published(user, comment) -> bool:
    return comment is not None and comment.post.is_published


# Posts: published ones are public, a draft is its author's alone.
rules.add_perm("content.view_post", is_published | is_post_author)
rules.add_perm("content.change_post", is_post_author | holds_model_perm("content.change_post"))
rules.add_perm("content.publish_post", is_post_author | holds_model_perm("content.publish_post"))
rules.add_perm("content.delete_post", is_post_author | holds_model_perm("content.delete_post"))

# Comments: anyone signed in comments on a published post; the post's author moderates its
# thread, moderators every thread; a comment's author may take it back.
rules.add_perm("content.add_comment", rules.is_authenticated & is_published)
rules.add_perm(
    "content.hide_comment",
    is_commented_post_published
    & (is_author_of_commented_post | holds_model_perm("content.hide_comment")),
)
rules.add_perm(
    "content.delete_comment", is_comment_author | holds_model_perm("content.delete_comment")
)
# Comments are written on the site only; staff correct them in the admin.
rules.add_perm("content.view_comment", holds_model_perm("content.view_comment"))
rules.add_perm("content.change_comment", holds_model_perm("content.change_comment"))

declare_refusals(
    {
        # A draft of someone else does not exist for them, on every surface.
        "content.view_post": PostNotFound,
        "content.change_post": NotPostAuthor,
        "content.publish_post": NotPostAuthor,
        "content.delete_post": NotPostAuthor,
        # Signed in (NotSignedIn otherwise): what stands between them and comments is a draft.
        "content.add_comment": CommentsClosed,
    }
)
