#include "CArchiveShim.h"
