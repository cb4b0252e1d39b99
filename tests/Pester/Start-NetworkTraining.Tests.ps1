Set-StrictMode -Version Latest

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $mnist = Join-Path $PSScriptRoot '../../data/mnist'
    $training = Import-MnistIdx -Path $mnist -Set Train -First 2000 -AsDataset
    $heldOut = Import-MnistIdx -Path $mnist -Set Train -Skip 2000 -First 500 -AsDataset
}

Describe 'Start-NetworkTraining' {
    It 'learns to read 500 unseen MNIST digits with over 85% accuracy from 2,000 examples' {
        $network = Start-NetworkTraining -Dataset $training -Epochs 5 -Seed 1

        $network.Architecture | Should -Be '784-128-64-10'
        $network.History.Count | Should -Be 5
        $network.History[-1].Loss | Should -BeLessThan $network.History[0].Loss
        (Measure-NetworkAccuracy -Network $network -Dataset $heldOut).Accuracy | Should -BeGreaterThan 0.85
    }

    It 'trains on samples piped one by one' {
        $network = Import-MnistIdx -Path $mnist -Set Train -First 300 |
            Start-NetworkTraining -HiddenLayers 32 -Epochs 2 -Seed 3

        $network.Architecture | Should -Be '784-32-10'
        $network.History.Count | Should -Be 2
    }

    It 'gives identical networks for the same seed' {
        $first = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 7
        $second = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 7

        $first.Layers[0].GetWeights() | Should -Be $second.Layers[0].GetWeights()
        $first.History[0].Loss | Should -Be $second.History[0].Loss
    }

    It 'records validation results when asked to hold out data' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -BatchSize 32 -Epochs 2 `
            -ValidationSplit 0.2 -Seed 2

        $network.History.Count | Should -Be 2
        $network.History[-1].ValidationAccuracy | Should -BeGreaterThan 0.7
        $network.History[-1].ValidationLoss | Should -BeLessThan $network.History[0].ValidationLoss
    }

    It 'validates on given data' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -ValidationData $heldOut -Seed 2

        $network.History[0].ValidationLoss | Should -BeGreaterThan 0
    }

    It 'writes one verbose line per epoch' {
        $lines = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 3 -Seed 2 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

        $lines.Count | Should -Be 3
        $lines[2].Message | Should -Match '^Epoch 3: loss \d\.\d{4}, accuracy \d+\.\d\d ?%'
    }

    It 'trains with full batches and the chosen optimizer and activation' {
        $small = Import-MnistIdx -Path $mnist -Set Train -First 500 -AsDataset
        $network = Start-NetworkTraining -Dataset $small -FullBatch -Optimizer Sgd -Activation Sigmoid `
            -HiddenLayers 32 -Epochs 3 -Seed 4

        $network.Activation | Should -Be 'Sigmoid'
        $network.TrainedWith.BatchSize | Should -Be 0
        $network.TrainedWith.Optimizer | Should -Be 'Sgd'
    }

    It 'continues training a given network' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 5
        $same = Start-NetworkTraining -Dataset $training -Network $network -Epochs 2 -Seed 6

        [object]::ReferenceEquals($network, $same) | Should -BeTrue
        $network.History.Epoch | Should -Be 1, 2, 3
    }

    It 'refuses -HiddenLayers together with a network to continue' {
        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -Seed 5

        { Start-NetworkTraining -Dataset $training -Network $network -HiddenLayers 8 -Epochs 1 } |
            Should -Throw -ErrorId 'ConflictingParameters,*' -ExpectedMessage '*-HiddenLayers*784-16-10*'
    }

    It 'validates on samples given as any list' {
        $list = [System.Collections.Generic.List[object]]::new()
        Import-MnistIdx -Path $mnist -Set Test -First 50 | ForEach-Object { $list.Add($_) }

        $network = Start-NetworkTraining -Dataset $training -HiddenLayers 16 -Epochs 1 -ValidationData $list -Seed 2

        $network.History[0].ValidationAccuracy | Should -BeGreaterThan 0
    }

    It 'refuses unlabelled data with a clear error' {
        $unlabelled = Import-MnistCsv -Path (Join-Path $PSScriptRoot '../data/test-200.csv') -AsDataset

        { Start-NetworkTraining -Dataset $unlabelled -Epochs 1 } |
            Should -Throw -ErrorId 'InvalidTrainingData,*' -ExpectedMessage '*no labels*'
    }
}

Describe 'Start-NetworkTraining with the training options' {
    BeforeAll {
        $small = Import-MnistIdx -Path $mnist -Set Train -First 600 -AsDataset
        $folder = Join-Path ([IO.Path]::GetTempPath()) "mnistnet-pester-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $folder | Out-Null
    }

    AfterAll {
        Remove-Item -LiteralPath $folder -Recurse -Force
    }

    It 'passes every option through to the run it records' {
        $network = Start-NetworkTraining -Dataset $small -HiddenLayers 16 -Epochs 2 -Seed 1 -Optimizer AdamW `
            -WeightDecay 0.01 -GradientClip 5 -Schedule Step -StepSize 1 -StepFactor 0.5 -WarmupEpochs 0 `
            -Dropout 0.2 -ValidationSplit 0.2 -EarlyStopping 3 -StopOn ValidationAccuracy

        $with = $network.TrainedWith
        $with.Optimizer, $with.Schedule, $with.StopOn | Should -Be 'AdamW', 'Step', 'ValidationAccuracy'
        $with.WeightDecay, $with.GradientClip, $with.Dropout, $with.EarlyStoppingPatience | Should -Be 0.01, 5, 0.2, 3
        $network.History.LearningRate | Should -Be 0.001, 0.0005
    }

    It 'shows the settings it recorded readably, with invariant numbers in any culture' {
        $network = Start-NetworkTraining -Dataset $small -HiddenLayers 16, 8 -Epochs 1 -Seed 1 -Dropout 0.25 -Augment

        $before = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $text = $network.TrainedWith | Format-List | Out-String -Width 200
        }
        finally {
            [cultureinfo]::CurrentCulture = $before
        }

        $text | Should -Match 'HiddenLayers\s+: 16, 8\r?\n'
        $text | Should -Match 'LearningRate\s+: 0\.001 \(Adam default\)'
        $text | Should -Match 'Dropout\s+: 0\.25\r?\n'
        $text | Should -Match ('Augmentation\s+: MaxShift 2, MaxRotation 10, MaxScale 0\.1, ElasticAlpha 34, ' +
            'ElasticSigma 5\r?\n')
        $text | Should -Match 'EarlyStopping\s+: off'
    }

    It 'exports its history to CSV with one sensible column per field' {
        $network = Start-NetworkTraining -Dataset $small -HiddenLayers 16 -Epochs 2 -ValidationSplit 0.2 -Seed 2
        $csv = Join-Path $folder 'history.csv'

        $network.History | Export-Csv -LiteralPath $csv
        $rows = Import-Csv -LiteralPath $csv

        $rows.Count | Should -Be 2
        $rows[0].PSObject.Properties.Name |
            Should -Be 'Epoch', 'Loss', 'Accuracy', 'ValidationLoss', 'ValidationAccuracy', 'LearningRate', 'Seconds'
        [double]::Parse($rows[1].ValidationLoss, [cultureinfo]::InvariantCulture) |
            Should -Be $network.History[1].ValidationLoss
    }

    It 'writes the latest and best checkpoints and resumes from them to the same weights' {
        $path = Join-Path $folder 'run.mnn'
        $whole = Start-NetworkTraining -Dataset $small -HiddenLayers 16 -Epochs 3 -ValidationSplit 0.2 -Seed 3
        Start-NetworkTraining -Dataset $small -HiddenLayers 16 -Epochs 2 -ValidationSplit 0.2 -Seed 3 `
            -CheckpointPath $path | Out-Null

        Join-Path $folder 'run.latest.mnn' | Should -Exist
        Join-Path $folder 'run.best.mnn' | Should -Exist
        (Import-Network (Join-Path $folder 'run.latest.mnn')).History.Count | Should -Be 2

        $resumed = Start-NetworkTraining -Dataset $small -CheckpointPath $path -Resume -Epochs 3
        $resumed.History.Count | Should -Be 3
        [Linq.Enumerable]::SequenceEqual($resumed.Layers[0].GetWeights(), $whole.Layers[0].GetWeights()) |
            Should -BeTrue

        $again = Start-NetworkTraining -Dataset $small -CheckpointPath $path -Resume -WarningVariable warnings `
            -WarningAction SilentlyContinue
        $again.History.Count | Should -Be 3
        $warnings | Should -Be ('Nothing was trained: the run had completed 3 epochs, and 3 in all were asked for. ' +
            'Ask for more than 3 epochs in all to train further.')
    }

    It 'does not take a link to nothing for an earlier run''s checkpoint' -Skip:$IsWindows {
        $path = Join-Path $folder 'linked.mnn'
        $target = Join-Path $folder 'elsewhere.mnn'
        New-Item -ItemType SymbolicLink -Path (Join-Path $folder 'linked.latest.mnn') -Target $target | Out-Null

        Start-NetworkTraining -Dataset $small -HiddenLayers 8 -Epochs 1 -Seed 1 -CheckpointPath $path `
            -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

        $warnings | Should -BeNullOrEmpty
        (Import-Network -LiteralPath $target).History.Count | Should -Be 1
    }

    It 'refuses settings that the checkpoint decides when resuming' {
        { Start-NetworkTraining -Dataset $small -CheckpointPath (Join-Path $folder 'run.mnn') -Resume -Dropout 0.5 } |
            Should -Throw -ErrorId 'ConflictingParameters,*' -ExpectedMessage '*-Dropout*'
        { Start-NetworkTraining -Dataset $small -Resume } |
            Should -Throw -ErrorId 'ConflictingParameters,*' -ExpectedMessage '*-CheckpointPath*'
    }

    It 'reports a missing checkpoint as not found' {
        { Start-NetworkTraining -Dataset $small -CheckpointPath (Join-Path $folder 'none.mnn') -Resume } |
            Should -Throw -ErrorId 'FileNotFound,*'
    }

    It 'stops a diverging run with an error naming epoch and batch, keeping the last good weights' {
        $network = New-Network -HiddenLayers 32, 16 -Seed 4
        Start-NetworkTraining -Dataset $small -Network $network -Epochs 1 -Seed 4 | Out-Null
        $good = $network.Layers[0].GetWeights()

        { Start-NetworkTraining -Dataset $small -Network $network -Optimizer Sgd -LearningRate 100 -Epochs 2 } |
            Should -Throw -ErrorId 'TrainingDiverged,*' -ExpectedMessage '*epoch 2, batch * smaller learning rate*'

        $network.History.Count | Should -Be 1
        [Linq.Enumerable]::SequenceEqual($network.Layers[0].GetWeights(), $good) | Should -BeTrue
    }

    It 'says, when a clipped run diverges in its first epoch, that the starting weights are kept and clipping is on' {
        $network = New-Network -HiddenLayers 32, 16 -Seed 4

        $thrown = { Start-NetworkTraining -Dataset $small -Network $network -Optimizer Sgd -LearningRate 100 `
                -GradientClip 5 -Epochs 2 -Seed 4 } | Should -Throw -ErrorId 'TrainingDiverged,*' -PassThru

        $thrown.Exception.Message | Should -BeLike ('Training diverged in epoch 1, batch * The network keeps the ' +
            'weights it had before its first epoch. Try a smaller learning rate, such as 10; the gradients were ' +
            'already clipped to a norm of 5 (GradientClip), so a smaller limit may help too.')
        $thrown.Exception.Message | Should -Not -BeLike '*epoch 0*'
        $network.History.Count | Should -Be 0
    }

    It 'leaves a usable network with its history when stopped like Ctrl+C' {
        $network = New-Network -HiddenLayers 16 -Seed 5
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript({
                    param($ModulePath, $Data, $Network)
                    Import-Module $ModulePath
                    Start-NetworkTraining -Dataset $Data -Network $Network -Epochs 100000 -Seed 5
                }).AddArgument((Join-Path $PSScriptRoot '../../MnistNet.psd1'))
            $null = $shell.AddArgument($small).AddArgument($network)
            $running = $shell.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ($network.History.Count -lt 2 -and [datetime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 20
            }

            $shell.Stop()

            $running.IsCompleted | Should -BeTrue
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $shell.Streams.Error.Count | Should -Be 0
        }
        finally {
            $shell.Dispose()
        }

        $network.History.Count | Should -BeGreaterOrEqual 2
        $network.History.Epoch | Should -Be (1..$network.History.Count)
        # Better than the 10% of guessing: the network learned and still predicts.
        (Measure-NetworkAccuracy -Network $network -Dataset $small).Accuracy | Should -BeGreaterThan 0.2
    }
}

Describe 'Start-NetworkTraining input checks' {
    BeforeAll {
        $mnist = Join-Path $PSScriptRoot '../../data/mnist'
        $dataset = Import-MnistIdx -Path $mnist -Set Test -First 40 -AsDataset
        $samples = Import-MnistIdx -Path $mnist -Set Test -Skip 40 -First 2
    }

    It 'refuses a dataset and samples piped together, in <Order>' -ForEach @(
        @{ Order = 'dataset first'; Expected = '*dataset followed by samples*' }
        @{ Order = 'samples first'; Expected = '*samples followed by a dataset*' }
    ) {
        $items = if ($Order -eq 'dataset first') { @($dataset) + @($samples) } else { @($samples) + @($dataset) }

        { $items | Start-NetworkTraining -Epochs 1 -Seed 1 } |
            Should -Throw -ErrorId 'MixedInput,*' -ExpectedMessage $Expected
    }

    It 'says so when nothing was piped' {
        { @() | Start-NetworkTraining -Epochs 1 } |
            Should -Throw -ErrorId 'NoData,*' -ExpectedMessage '*No training images*'
    }

    It 'refuses a validation split that holds out no image' {
        { Start-NetworkTraining -Dataset $dataset -Epochs 1 -ValidationSplit 0.001 -Seed 1 } |
            Should -Throw -ErrorId 'InvalidTrainingData,*' -ExpectedMessage '*holds out none of the*'
    }

    It 'refuses empty validation data without naming library parameters' {
        $empty = Import-MnistIdx -Path $mnist -Set Test -First 0 -AsDataset

        $thrown = { Start-NetworkTraining -Dataset $dataset -Epochs 1 -ValidationData $empty } | Should -Throw -PassThru

        $thrown.Exception.Message | Should -BeLike '*validation data*holds no images*'
        "$thrown" | Should -Not -BeLike "*(Parameter '*"
    }
}

Describe 'Start-NetworkTraining augmentation' {
    BeforeAll {
        $few = Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Train -First 300 -AsDataset
    }

    It 'distorts with the standard settings under -Augment, repeatably for a seed' {
        $first = Start-NetworkTraining -Dataset $few -HiddenLayers 16 -Epochs 1 -Augment -Seed 3
        $second = Start-NetworkTraining -Dataset $few -HiddenLayers 16 -Epochs 1 -Augment -Seed 3
        $plain = Start-NetworkTraining -Dataset $few -HiddenLayers 16 -Epochs 1 -Seed 3

        $first.TrainedWith.Augmentation.ElasticAlpha | Should -BeGreaterThan 0
        $first.History[0].Loss | Should -Be $second.History[0].Loss
        $first.History[0].Loss | Should -Not -Be $plain.History[0].Loss
    }

    It 'takes settings of its own from a hashtable' {
        $network = Start-NetworkTraining -Dataset $few -HiddenLayers 16 -Epochs 1 -Seed 3 `
            -Augmentation @{ MaxShift = 2; MaxRotation = 5 }

        $network.TrainedWith.Augmentation.MaxShift | Should -Be 2
        $network.TrainedWith.Augmentation.ElasticAlpha | Should -Be 0
    }

    It 'refuses -Augmentation @{ <Case> }, naming the setting and its range' -ForEach @(
        @{ Case = 'MaxRotation = 500'; Augmentation = @{ MaxRotation = 500 }; Setting = 'MaxRotation'; Value = 500
            Expected = '-Augmentation has MaxRotation = 500, which is not allowed: MaxRotation is at most 180 ' +
                'degrees*. MaxRotation takes 0 to 180 degrees.' }
        @{ Case = 'MaxShift = -1'; Augmentation = @{ MaxShift = -1 }; Setting = 'MaxShift'; Value = -1
            Expected = '-Augmentation has MaxShift = -1, which is not allowed: *0 or more*. MaxShift takes 0 to 14 ' +
                'pixels.' }
        @{ Case = 'MaxScale = 1.5'; Augmentation = @{ MaxScale = 1.5 }; Setting = 'MaxScale'; Value = 1.5
            Expected = '-Augmentation has MaxScale = 1.5, *below 1*. MaxScale takes 0 up to (not including) 1.' }
        @{ Case = 'ElasticAlpha = 30'; Augmentation = @{ ElasticAlpha = 30 }; Setting = 'ElasticSigma'; Value = 0
            Expected = '-Augmentation has ElasticSigma = 0, *at least 1 pixel when ElasticAlpha is above 0*. ' +
                'ElasticSigma takes 0 to 14 pixels, and at least 1 when ElasticAlpha is above 0.' }
        @{ Case = 'ElasticAlpha = 150; ElasticSigma = 5'; Augmentation = @{ ElasticAlpha = 150; ElasticSigma = 5 }
            Setting = 'ElasticAlpha'; Value = 150
            Expected = '-Augmentation has ElasticAlpha = 150, *at most 100 pixels*. ElasticAlpha takes 0 to 100 pixels.'
        }
    ) {
        $thrown = { Start-NetworkTraining -Dataset $few -Epochs 1 -Augmentation $Augmentation } |
            Should -Throw -PassThru

        $thrown.FullyQualifiedErrorId | Should -BeLike 'InvalidAugmentation,*'
        $thrown.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $thrown.TargetObject | Should -BeOfType ([MnistNet.Augmentation.AugmentationOptions])
        $thrown.TargetObject.$Setting | Should -Be $Value
        "$thrown" | Should -BeLike $Expected
        "$thrown" | Should -Not -BeLike "*(Parameter '*"
    }

    It 'leaves an unknown -Augmentation key to PowerShell, which names the parameter and the settings it takes' {
        $thrown = { Start-NetworkTraining -Dataset $few -Epochs 1 -Augmentation @{ MaxSkew = 3 } } |
            Should -Throw -PassThru

        $thrown.FullyQualifiedErrorId | Should -BeLike 'CannotConvertArgumentNoMessage,*'
        "$thrown" | Should -BeLike "*parameter 'Augmentation'*'MaxSkew' was not found*MaxShift*ElasticSigma*"
    }

    It 'states the ranges the library enforces: <Setting> at <Edge>' -ForEach @(
        @{ Setting = 'MaxShift'; Edge = 14; Allowed = @{ MaxShift = 14 }; Refused = @{ MaxShift = 14.01 } }
        @{ Setting = 'MaxRotation'; Edge = 180; Allowed = @{ MaxRotation = 180 }; Refused = @{ MaxRotation = 180.01 } }
        @{ Setting = 'MaxScale'; Edge = 1; Allowed = @{ MaxScale = 0.99 }; Refused = @{ MaxScale = 1 } }
        @{ Setting = 'ElasticAlpha'; Edge = 100; Allowed = @{ ElasticAlpha = 100; ElasticSigma = 5 }
            Refused = @{ ElasticAlpha = 100.01; ElasticSigma = 5 } }
        @{ Setting = 'ElasticSigma'; Edge = 14; Allowed = @{ ElasticSigma = 14 }; Refused = @{ ElasticSigma = 14.01 } }
        @{ Setting = 'ElasticSigma'; Edge = '1 with ElasticAlpha'; Allowed = @{ ElasticAlpha = 30; ElasticSigma = 1 }
            Refused = @{ ElasticAlpha = 30; ElasticSigma = 0.99 } }
    ) {
        $allowedOptions = [MnistNet.Augmentation.AugmentationOptions] $Allowed
        $refusedOptions = [MnistNet.Augmentation.AugmentationOptions] $Refused

        { $allowedOptions.Validate() } | Should -Not -Throw
        { $refusedOptions.Validate() } | Should -Throw
        { Start-NetworkTraining -Dataset $few -Epochs 1 -Augmentation $refusedOptions } |
            Should -Throw -ErrorId 'InvalidAugmentation,*' -ExpectedMessage "*$Setting takes 0 *"
    }
}

Describe 'Start-NetworkTraining warnings about settings without effect' {
    BeforeAll {
        $tiny = Import-MnistIdx -Path (Join-Path $PSScriptRoot '../../data/mnist') -Set Train -First 40 -AsDataset
    }

    It 'warns when <Case>' -ForEach @(
        @{ Case = 'the warm-up is as long as the run'; Settings = @{ Epochs = 2; WarmupEpochs = 2; Schedule = 'Cosine' }
            Expected = '-WarmupEpochs 2 is not less than -Epochs 2*whole run is warm-up*-Schedule Cosine never*' }
        @{ Case = '-StopOn comes without -EarlyStopping or checkpoints'; Settings = @{ StopOn = 'ValidationAccuracy' }
            Expected = '-StopOn ValidationAccuracy has no effect*-EarlyStopping*-CheckpointPath*neither is given*' }
        @{ Case = '-StepSize comes with another schedule'; Settings = @{ Schedule = 'Cosine'; StepSize = 2 }
            Expected = '-StepSize applies only to -Schedule Step; with -Schedule Cosine it has no effect.' }
        @{ Case = '-StepSize and -StepFactor come without a schedule'; Settings = @{ StepSize = 2; StepFactor = 0.1 }
            Expected = '-StepSize and -StepFactor apply only to -Schedule Step; with -Schedule Constant they have*' }
        @{ Case = 'dropout meets a network without hidden layers'; Settings = @{ HiddenLayers = @(); Dropout = 0.5 }
            Expected = '-Dropout 0.5 has no effect*hidden layers*784-10 network has none.' }
        @{ Case = '-Augment:$false meets -Augmentation'
            Settings = @{ Augment = $false; Augmentation = @{ MaxShift = 1 } }
            Expected = '-Augment:$false has no effect because -Augmentation is given*distorted with the -Augmentation*'
        }
        @{ Case = 'the step schedule never steps'; Settings = @{ Epochs = 2; Schedule = 'Step'; StepSize = 5 }
            Expected = '-StepSize 5 is not less than -Epochs 2: the learning rate never steps down in this run.' }
        @{ Case = '-ValidationSplit meets -ValidationData'
            Settings = @{ ValidationSplit = 0.5; ValidationData = 'tiny' }
            Expected = '-ValidationSplit 0.5 has no effect because -ValidationData is given*' }
        @{ Case = '-BatchSize meets -FullBatch'; Settings = @{ BatchSize = 32; FullBatch = $true }
            Expected = '-BatchSize 32 has no effect because -FullBatch is given*' }
        @{ Case = '-Augmentation distorts nothing'; Settings = @{ Augmentation = @{ ElasticSigma = 4 } }
            Expected = '-Augmentation distorts nothing with these settings*ElasticSigma alone does nothing*' }
    ) {
        $options = @{ HiddenLayers = 4; Epochs = 1; Seed = 1 }
        foreach ($key in $Settings.Keys) { $options[$key] = $Settings[$key] }

        # Test cases are built before BeforeAll runs, so they name the data instead of holding it.
        if ($options['ValidationData'] -eq 'tiny') { $options['ValidationData'] = $tiny }

        $network = Start-NetworkTraining -Dataset $tiny @options -WarningVariable warnings `
            -WarningAction SilentlyContinue

        $network | Should -Not -BeNullOrEmpty
        @($warnings).Count | Should -Be 1
        $warnings[0].Message | Should -BeLike $Expected
    }

    It 'names the network given with -Network when dropout has no hidden layer to act on' {
        $network = New-Network -HiddenLayers @() -Seed 1

        Start-NetworkTraining -Dataset $tiny -Network $network -Epochs 1 -Dropout 0.2 -Seed 1 `
            -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

        $warnings.Message | Should -BeLike '-Dropout 0.2 has no effect*784-10 network has none.'
    }

    It 'warns about -StopOn with checkpoints but no validation data' {
        $path = Join-Path $TestDrive 'stop-on.mnn'

        Start-NetworkTraining -Dataset $tiny -HiddenLayers 4 -Epochs 1 -Seed 1 -StopOn ValidationAccuracy `
            -CheckpointPath $path -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

        $warnings.Message | Should -BeLike '-StopOn ValidationAccuracy has no effect*without -ValidationData or*'
    }

    It 'stays quiet when <Case>' -ForEach @(
        @{ Case = 'the defaults of the step settings meet another schedule'; Settings = @{ Schedule = 'Cosine' } }
        @{ Case = 'a network without hidden layers keeps the default dropout'; Settings = @{ HiddenLayers = @() } }
        @{ Case = 'the warm-up is shorter than the run'; Settings = @{ Epochs = 2; WarmupEpochs = 1 } }
        @{ Case = '-StopOn chooses the best checkpoint'; Settings = @{ StopOn = 'ValidationAccuracy'
                ValidationSplit = 0.25; CheckpointPath = 'TestDrive:/quiet.mnn' } }
        @{ Case = '-Step settings come with -Schedule Step'
            Settings = @{ Schedule = 'Step'; StepSize = 1; Epochs = 2 } }
        @{ Case = '-Augment:$false comes alone'; Settings = @{ Augment = $false } }
    ) {
        $options = @{ HiddenLayers = 4; Epochs = 1; Seed = 1 }
        foreach ($key in $Settings.Keys) { $options[$key] = $Settings[$key] }

        Start-NetworkTraining -Dataset $tiny @options -WarningVariable warnings -WarningAction SilentlyContinue |
            Out-Null

        $warnings | Should -BeNullOrEmpty
    }
}
