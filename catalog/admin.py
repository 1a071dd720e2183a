"""HQ back office for the catalog, including printing shelf QR label sheets."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import services
from catalog.labels import label_sheet_pdf
from catalog.models import SKU, Category, Product, ProductImage, Review, ReviewPhoto
from o2o.admin_money import MoneyAdminMixin, money_display
from stores.models import Store


def _thumbnail_html(image: ProductImage | None, size: int = 48):
    if image is None or not (image.thumbnail or image.image):
        return "—"
    file = image.thumbnail or image.image
    return format_html(
        '<img src="{}" width="{}" height="{}" style="object-fit:cover;border-radius:4px" alt="">',
        file.url,
        size,
        size,
    )


def _labels_response(*, store, category=None, skus=None) -> HttpResponse:
    pdf = label_sheet_pdf(store=store, category=category, skus=skus)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="qr-labels-{store.code}.pdf"'
    return response


class PrintLabelsForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=Store.objects.filter(is_active=True), label=_("Store"), required=True
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        label=_("Category"),
        required=False,
        help_text=_("Empty: every active SKU. A category includes its subcategories."),
    )


class PrintSelectedLabelsForm(forms.Form):
    store = forms.ModelChoiceField(
        queryset=Store.objects.filter(is_active=True), label=_("Store"), required=True
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "position", "is_active"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]
    ordering = ["parent__position", "parent__name", "position", "name"]


class SKUInline(MoneyAdminMixin, admin.TabularInline):
    model = SKU
    money_fields = ("price_override",)
    extra = 0
    fields = ["code", "color", "size", "barcode", "price_override", "is_active"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["preview", "image", "color", "position", "alt"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return _thumbnail_html(obj if obj.pk else None, size=80)


@admin.register(Product)
class ProductAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("base_price",)
    list_display = [
        "cover",
        "code",
        "name",
        "brand",
        "category",
        "base_price",
        "is_active",
        "new_arrival_date",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", "category", "brand", "new_arrival_date"]
    search_fields = ["code", "name", "brand"]
    list_select_related = ["category"]
    filter_horizontal = ["goes_well_with"]
    inlines = [SKUInline, ProductImageInline]
    date_hierarchy = "created_at"
    # members adds "Publish as new arrival" (it notifies subscriptions): see members/admin.py.
    actions = []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    @admin.display(description=_("image"))
    def cover(self, obj):
        images = list(obj.images.all())  # prefetched, ordered by position
        return _thumbnail_html(images[0] if images else None)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            # Thumbnails of images uploaded here are made at once rather than by the sweep.
            for product_image in form.instance.images.filter(thumbnail=""):
                services.product_image_thumbnail_fill(product_image=product_image)

    def get_urls(self):
        urls = [
            path(
                "print-labels/",
                self.admin_site.admin_view(self.print_labels_view),
                name="catalog_product_print_labels",
            )
        ]
        return urls + super().get_urls()

    def print_labels_view(self, request):
        """HQ picks a store (and maybe a category) and downloads that store's label sheet."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PrintLabelsForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return _labels_response(
                store=form.cleaned_data["store"], category=form.cleaned_data["category"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Print QR labels"),
            "form": form,
        }
        return render(request, "admin/catalog/print_labels.html", context)


@admin.register(SKU)
class SKUAdmin(MoneyAdminMixin, admin.ModelAdmin):
    money_fields = ("price_override",)
    list_display = ["code", "product", "color", "size", "barcode", "price_display", "is_active"]
    list_filter = ["is_active", "product__category", "product__brand"]
    search_fields = ["code", "barcode", "product__name", "product__code"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    actions = ["print_labels"]

    price_display = staticmethod(money_display("price", _("price")))

    @admin.action(description=_("Print QR labels for selected SKUs"))
    def print_labels(self, request, queryset):
        # Two steps: the action first asks for the store, then posts back with `apply`.
        form = PrintSelectedLabelsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return _labels_response(store=form.cleaned_data["store"], skus=list(queryset))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Print QR labels for selected SKUs"),
            "form": form,
            "skus": queryset.select_related("product"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/catalog/print_selected_labels.html", context)


class ReviewPhotoInline(admin.TabularInline):
    model = ReviewPhoto
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "product",
        "rating",
        "verified_purchase",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_hidden", "rating", "verified_purchase"]
    search_fields = ["display_name", "text", "product__name", "product__code"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    inlines = [ReviewPhotoInline]
    actions = ["hide", "unhide"]

    @admin.action(description=_("Hide selected reviews"))
    def hide(self, request, queryset):
        changed = services.review_visibility_set(reviews=queryset, hidden=True)
        self.message_user(
            request,
            ngettext("%d review hidden.", "%d reviews hidden.", changed) % changed,
            messages.SUCCESS,
        )

    @admin.action(description=_("Show selected reviews"))
    def unhide(self, request, queryset):
        changed = services.review_visibility_set(reviews=queryset, hidden=False)
        self.message_user(
            request,
            ngettext("%d review shown.", "%d reviews shown.", changed) % changed,
            messages.SUCCESS,
        )
