#!/usr/bin/env bash
# fetch-tables.sh DIR: the real tables of make data, from Debian packages
# (apt-get download + dpkg-deb -x; nothing is installed, no R or Python runs):
#
#   r-cran-palmerpenguins  extdata/penguins.csv, copied as it is (a header,
#                          species/island/sex strings, NA cells)
#   python3-sklearn        sklearn/datasets/data/{breast_cancer,wine_data,iris}.csv,
#                          diabetes_{data_raw,target}.csv.gz and digits.csv.gz
#
# scikit-learn's class tables are not plain CSVs: their first row is
# "n_samples,n_features,class name 0,class name 1,..." and their last column
# the class index. They are rewritten here with a named header (the feature
# names scikit-learn's loaders attach, in snake case) and the class name in
# the target column, and their row count checked against the first row. The
# diabetes files (space-separated, no header) become one diabetes.csv with
# a header and the target column "progression" (and the fixed 20% test split
# diabetes-test.csv: every fifth row). The originals are kept under
# DIR/sklearn/.
set -euo pipefail
dir=${1:?usage: fetch-tables.sh DIR}
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get download r-cran-palmerpenguins python3-sklearn >/dev/null 2>apt.err; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	apt-get download r-cran-palmerpenguins python3-sklearn >/dev/null 2>apt.err || { cat apt.err >&2; exit 1; }
fi
for deb in *.deb; do dpkg-deb -x "$deb" x; done
cd - >/dev/null
sk=$tmp/x/usr/lib/python3/dist-packages/sklearn/datasets/data
mkdir -p "$dir/sklearn"
cp "$tmp"/x/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv "$dir/penguins.csv"
cp "$sk"/breast_cancer.csv "$sk"/wine_data.csv "$sk"/iris.csv "$sk"/diabetes_data_raw.csv.gz "$sk"/diabetes_target.csv.gz "$sk"/digits.csv.gz "$dir/sklearn/"

# named SRC DST TARGET COL1,COL2,...: rewrite one scikit-learn class table.
named() {
	awk -F, -v OFS=, -v target="$3" -v cols="$4" -v src="$1" '
		NR == 1 {
			n = $1; d = $2
			if (split(cols, c, ",") != d) { printf "%s: %d feature names for %d features\n", src, length(c), d > "/dev/stderr"; exit 1 }
			for (i = 3; i <= NF; i++) name[i - 3] = $i
			printf "%s,%s\n", cols, target
			next
		}
		{
			if (NF != d + 1 || !($NF in name)) { printf "%s:%d: expected %d features and a class index\n", src, NR, d > "/dev/stderr"; exit 1 }
			$NF = name[$NF]; print
		}
		END { if (NR - 1 != n) { printf "%s: %d rows, its first row says %d\n", src, NR - 1, n > "/dev/stderr"; exit 1 } }
	' "$1" >"$2.tmp" && mv "$2.tmp" "$2"
}
named "$sk/breast_cancer.csv" "$dir/breast_cancer.csv" diagnosis \
	mean_radius,mean_texture,mean_perimeter,mean_area,mean_smoothness,mean_compactness,mean_concavity,mean_concave_points,mean_symmetry,mean_fractal_dimension,radius_error,texture_error,perimeter_error,area_error,smoothness_error,compactness_error,concavity_error,concave_points_error,symmetry_error,fractal_dimension_error,worst_radius,worst_texture,worst_perimeter,worst_area,worst_smoothness,worst_compactness,worst_concavity,worst_concave_points,worst_symmetry,worst_fractal_dimension
named "$sk/wine_data.csv" "$dir/wine.csv" cultivar \
	alcohol,malic_acid,ash,alcalinity_of_ash,magnesium,total_phenols,flavanoids,nonflavanoid_phenols,proanthocyanins,color_intensity,hue,od280_od315_of_diluted_wines,proline
named "$sk/iris.csv" "$dir/iris.csv" species \
	sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm

# diabetes: 442 rows of 10 space-separated inputs, and 442 targets.
{
	echo "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,progression"
	paste -d' ' <(zcat "$sk/diabetes_data_raw.csv.gz") <(zcat "$sk/diabetes_target.csv.gz") | awk -v OFS=, '{ $1 = $1; $NF = $NF + 0; print }'
} >"$dir/diabetes.csv.tmp"
rows=$(($(wc -l <"$dir/diabetes.csv.tmp") - 1))
[ "$rows" -eq 442 ] || { echo "diabetes: $rows rows, expected 442" >&2; exit 1; }
mv "$dir/diabetes.csv.tmp" "$dir/diabetes.csv"
# split NAME TARGET_COLUMN: a fixed stratified 20% test split, the same for
# every tool (nnfc's configs, scripts/table-peer.py's scikit-learn): of each
# class, every fifth row (in file order) goes to NAME-test.csv, the rest to
# NAME-train.csv. No quoted fields in these files, so awk's split is exact.
split() {
	awk -F, -v t="$2" -v tr="$dir/$1-train.csv" -v te="$dir/$1-test.csv" '
		NR == 1 { print > tr; print > te; next }
		{ if (++n[$t] % 5 == 0) print > te; else print > tr }
	' "$dir/$1.csv"
}
split penguins 1
split breast_cancer 31
split wine 14
split iris 5
# diabetes's target is a number: every fifth row of the file (in file
# order) goes to diabetes-test.csv, the rest to diabetes-train.csv.
awk -v tr="$dir/diabetes-train.csv" -v te="$dir/diabetes-test.csv" '
	NR == 1 { print > tr; print > te; next }
	{ if (++n % 5 == 0) print > te; else print > tr }
' "$dir/diabetes.csv"
# digit-labels: scikit-learn's 8x8 digits (1,797 rows of 64 pixels 0..16,
# the UCI optdigits test set; no header, the digit last) as a multi-label
# table derived from the digit: the labels even, ge5 (digit >= 5) and prime
# (2, 3, 5, 7), each a 0/1 column, and the same labels in one column tags
# separated by ";" (blank for 1: no label). The digit is kept as the column
# digit (not an input of configs/digits-multilabel.yaml). Every fifth row
# (in file order) goes to digit-labels-test.csv, the rest to -train.csv.
zcat "$sk/digits.csv.gz" | awk -F, -v OFS=, '
	NR == 1 { for (i = 0; i < 64; i++) printf "p%d,", i; print "digit,even,ge5,prime,tags" }
	{
		if (NF != 65) { printf "digits.csv.gz:%d: %d fields, expected 65\n", NR, NF > "/dev/stderr"; exit 1 }
		d = $65; even = (d % 2 == 0); ge5 = (d >= 5); prime = (d == 2 || d == 3 || d == 5 || d == 7)
		tags = ""
		if (even) tags = "even"
		if (ge5) tags = tags (tags == "" ? "" : ";") "ge5"
		if (prime) tags = tags (tags == "" ? "" : ";") "prime"
		print $0, even, ge5, prime, tags
	}
	END { if (NR != 1797) { printf "digits.csv.gz: %d rows, expected 1797\n", NR > "/dev/stderr"; exit 1 } }
' >"$dir/digit-labels.csv.tmp"
mv "$dir/digit-labels.csv.tmp" "$dir/digit-labels.csv"
awk -v tr="$dir/digit-labels-train.csv" -v te="$dir/digit-labels-test.csv" '
	NR == 1 { print > tr; print > te; next }
	{ if (++n % 5 == 0) print > te; else print > tr }
' "$dir/digit-labels.csv"
wc -l "$dir"/*.csv
