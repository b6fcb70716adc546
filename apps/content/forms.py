"""Forms of the content pages: they parse the input; apps.content.input_rules judge it."""

from django import forms

from apps.content import input_rules


class PostForm(forms.Form):
    title = forms.CharField(
        label="Title",
        # Length and blank checks are the services' (input_rules.clean_title); the form only parses.
        required=False,
        widget=forms.TextInput(attrs={"maxlength": input_rules.TITLE_MAX_LENGTH, "required": True}),
    )
    body = forms.CharField(
        label="Body",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        help_text=(
            f"Separate tags with commas, e.g. “django, web-dev”. "
            f"Up to {input_rules.TAGS_PER_POST} tags of letters, digits and hyphens."
        ),
    )

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]

    @staticmethod
    def initial_for(post) -> dict:
        return {
            "title": post.title,
            "body": post.body,
            "tags": ", ".join(tag.name for tag in post.tags.all()),
        }


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "maxlength": input_rules.COMMENT_MAX_LENGTH, "required": True}
        ),
    )
