#include "config.h"

#include "ml/metrics.h"
#include "tap.h"

int main(void)
{
	/* Worked by hand, as scikit-learn's classification_report counts:
	 *   class 0: p 0.667 r 1.000 f1 0.800 support 2
	 *   class 1: p 1.000 r 0.333 f1 0.500 support 3
	 *   class 2: p 0.500 r 1.000 f1 0.667 support 1
	 *   accuracy 0.667, macro f1 0.656, weighted f1 0.628 */
	const int32_t truth[6] = {0, 0, 1, 1, 1, 2};
	const int32_t pred[6] = {0, 0, 1, 0, 2, 2};
	struct metrics m;
	metrics_compute(&m, truth, pred, 6, 4);
	is_dbl(m.precision[0], 2.0 / 3, 1e-12, "precision of class 0");
	is_dbl(m.recall[1], 1.0 / 3, 1e-12, "recall of class 1");
	is_dbl(m.f1[2], 2.0 / 3, 1e-12, "F1 of class 2");
	is_int(m.support[1], 3, "support");
	is_dbl(m.accuracy, 4.0 / 6, 1e-12, "accuracy");
	is_dbl(m.macro_f1, (0.8 + 0.5 + 2.0 / 3) / 3, 1e-12, "macro F1 over the classes that occur");
	is_dbl(m.weighted_f1, (2 * 0.8 + 3 * 0.5 + 1 * 2.0 / 3) / 6, 1e-12, "weighted F1");
	ok(!m.present[3], "a class that never occurs is left out of the averages");
	is_int(m.confusion[1 * 4 + 2], 1, "confusion: truth 1 predicted 2");
	metrics_free(&m);
	const int32_t none[1] = {1};
	metrics_compute(&m, none, none, 1, 2);
	is_dbl(m.macro_f1, 1.0, 1e-12, "one class, all right");
	metrics_free(&m);
	return tap_done();
}
