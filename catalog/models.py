"""Categories, products and their SKUs (color × size), images, outfit matching and reviews.

Money is integer fen (DESIGN §4), guarded by CHECK constraints so no code path can store a
negative price.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the category tree (服装 › 女装); products hang on any level."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name = models.CharField(_("name"), max_length=64)
    slug = models.SlugField(_("slug"), max_length=64, unique=True, allow_unicode=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # SKUs carry two free option axes, stored as color and size; outside clothing they mean
    # something else (a shade, a formula stage, a volume), so the product page names them per
    # category. Empty: the parent category's name, else "Color" / "Size".
    color_label = models.CharField(
        _("name of the first option"),
        max_length=20,
        blank=True,
        # A database default too: code and migrations that predate the field still insert.
        default="",
        db_default="",
        help_text=_(
            "What the SKUs' color means in this category, e.g. 色号 or 段数. "
            "Empty: as in the parent category, else Color."
        ),
    )
    size_label = models.CharField(
        _("name of the second option"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "What the SKUs' size means in this category, e.g. 规格 or 容量. "
            "Empty: as in the parent category, else Size."
        ),
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # A plain string until brands need their own pages; filtering and search work on it as is.
    brand = models.CharField(_("brand"), max_length=64, blank=True, db_index=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    base_price = models.BigIntegerField(_("base price (fen)"), validators=[MinValueValidator(0)])
    is_active = models.BooleanField(_("active"), default=True)
    new_arrival_date = models.DateField(_("new arrival date"), null=True, blank=True)
    # Consumables (a 900 g can of formula lasts about 7 days): drives replenishment reminders.
    consumption_days_per_unit = models.PositiveSmallIntegerField(
        _("days one unit lasts"), null=True, blank=True
    )
    goes_well_with = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("goes well with")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["is_active", "category"], name="product_active_category_idx"),
            models.Index(fields=["-new_arrival_date"], name="product_new_arrival_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(base_price__gte=0), name="product_base_price_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class SKU(models.Model):
    """A sellable variant of a product: one color and one size (色号/容量 for cosmetics)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="skus", verbose_name=_("product")
    )
    color = models.CharField(_("color"), max_length=32, blank=True)
    size = models.CharField(_("size"), max_length=32, blank=True)
    # Stable: printed into QR codes on shelf labels (/q/<code>), so never reuse or rename one.
    code = models.SlugField(_("code"), max_length=64, unique=True)
    barcode = models.CharField(_("barcode"), max_length=32, unique=True, null=True, blank=True)
    price_override = models.BigIntegerField(
        _("price override (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty to sell at the product's base price."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["product_id", "id"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "color", "size"], name="sku_unique_color_size"
            ),
            models.CheckConstraint(
                condition=Q(price_override__isnull=True) | Q(price_override__gte=0),
                name="sku_price_override_not_negative",
            ),
        ]

    def __str__(self):
        variant = " / ".join(part for part in (self.color, self.size) if part)
        return f"{self.code} {variant}".strip()

    @property
    def price(self) -> int:
        """Price in fen: the override when set, else the product's base price."""
        if self.price_override is not None:
            return self.price_override
        return self.product.base_price


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    # Empty: shown for every color; otherwise moved to the front when that color is picked.
    color = models.CharField(_("color"), max_length=32, blank=True)
    image = models.ImageField(_("image"), upload_to="catalog/products/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="catalog/thumbnails/", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    alt = models.CharField(_("alternative text"), max_length=120, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self):
        return self.alt or self.image.name


class Review(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product")
    )
    # A later issue links reviews to members; until then the masked name shown is stored as is.
    display_name = models.CharField(_("display name"), max_length=32)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("text"), blank=True)
    verified_purchase = models.BooleanField(_("verified purchase"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(
                fields=["product", "is_hidden", "-created_at"], name="review_product_visible_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} · {self.rating}★"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="photos", verbose_name=_("review")
    )
    image = models.ImageField(_("image"), upload_to="catalog/reviews/")

    class Meta:
        ordering = ["id"]
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")

    def __str__(self):
        return self.image.name
