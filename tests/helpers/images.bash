# images.bash: for tests that drive tests/helpers/image-tool and run the
# bundles it makes with berth-runtime: a private image store ($ROOT) and
# runtime root ($RTROOT) per test, and the cleanup of the containers and
# mounts of every $BERTH_TEST_TMP/bundle-* before the leak check sees them.
# Needs IMAGE_TOOL and common.bash (BERTH_TEST_TMP, BERTH_RUNTIME).

# In setup(), after common_setup or interop_setup
images_setup()
{
	ROOT=$BERTH_TEST_TMP/root
	RTROOT=$BERTH_TEST_TMP/rt
	mkdir -p "$ROOT" "$RTROOT"
}

# In teardown(), before common_teardown or interop_teardown
images_teardown()
{
	local b
	for b in "$BERTH_TEST_TMP"/bundle-*; do
		[ -d "$b" ] || continue
		"$BERTH_RUNTIME" --root "$RTROOT" delete -f "${b##*/}" >/dev/null 2>&1 || true
		"$IMAGE_TOOL" --root "$ROOT" umount "${b##*/}" >/dev/null 2>&1 || true
	done
}

itool()
{
	"$IMAGE_TOOL" --root "$ROOT" "$@"
}
