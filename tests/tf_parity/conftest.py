import pytest

from .oracle import run_tf_cases, tf_available


@pytest.fixture
def tf_record(request):
    """The TensorFlow record of the parametrized parity case ``case``."""
    if not tf_available():
        pytest.skip("TensorFlow (tensorflow-cpu, tf-keras, tf-slim) is not installed")
    case_id = request.getfixturevalue("case")
    return run_tf_cases([case_id])[case_id]
