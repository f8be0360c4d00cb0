-- Issue 20: a day's insert-only batch adds its visits to the institution-months they belong to instead of regrouping
-- those months (at 10M settlements a day touched most institutions: 13.9 s to regroup about a month of visits). The
-- moments of ln(visit cost) must then add up exactly to what a regrouping sums, so they are kept as the exact numeric
-- sums they always were computed as (a float8 column rounded them once, and a rounded sum plus a rounded part is not
-- the rounded whole). IND-GROWTH reads them as float8, the same values as before.
ALTER TABLE "ind_institution_month" ALTER COLUMN "ln_sum" TYPE numeric, ALTER COLUMN "ln_sq" TYPE numeric;
